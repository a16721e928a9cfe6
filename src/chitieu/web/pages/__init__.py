"""Page handlers, one module per concept: sign-in, dashboard, data entry."""
