"""The web app people use: sign-in, the dashboard and commune data entry (see :mod:`.routes`)."""
