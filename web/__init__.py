"""Marsad web front end (Flask). create_app() lives here."""
