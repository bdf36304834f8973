"""Onboarding: the welcome DM and its checklist, plain-words DMs, skills and issue recommendations."""
