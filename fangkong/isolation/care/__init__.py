"""Care during the stay: the twice-daily health checks of a floor and the requests (诉求) of the site's people."""
