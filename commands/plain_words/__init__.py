"""The plain-words front end: a DM or a mention in everyday words, classified into an intent and answered
by the same handlers as the slash command (commands/)."""
