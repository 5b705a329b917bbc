# Read by the flask command (python-dotenv): the app factory, development settings by default.
FLASK_APP=tracker
