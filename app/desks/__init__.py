"""The desks people work at, as both the UI and the API use them: review, models, reports."""
