"""Sign in with Matrix on the web: a one-time link sent by the bot, then a Flask-Login session."""
