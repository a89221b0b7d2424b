"""Every effect of boxauth lives here: network, files, clock, randomness, threads."""
