"""Simulation: published tenants and indicators, and scoring facts at a jurisdiction."""

from tierpoints.features.simulation.controller import SimulationController

__all__ = ["SimulationController"]
