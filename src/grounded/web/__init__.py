"""The web app and the JSON API: server-rendered pages and their JSON twins over the same
services as the CLI. Routes are thin: they resolve who is asking, call a view (a plain
function in ``views/`` that gathers what a page shows), and render it as HTML or JSON."""
