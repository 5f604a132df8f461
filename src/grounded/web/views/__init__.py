"""What each page shows, gathered by plain functions over the services: the HTML page and
its JSON twin call the same one, so they cannot disagree."""
