"""Docker Engine and Swarm, behind one boundary method per outside operation."""
