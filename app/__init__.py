"""Mueang Ruam Kit: participatory planning for Thai municipalities."""
