"""innersource-chatops: an InnerSource assistant for Slack."""

__version__ = "0.1.0"
