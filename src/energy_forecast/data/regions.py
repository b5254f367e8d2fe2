"""The 13 metropolitan regions of the temperature export, keyed by INSEE code."""

from __future__ import annotations

from typing import NamedTuple


class Region(NamedTuple):
    name: str
    population_2008: int
    population_2019: int


# INSEE population estimates; names as the current export spells them (joins use the code).
REGIONS: dict[int, Region] = {
    11: Region("Île-de-France", 11659260, 12213364),
    24: Region("Centre-Val de Loire", 2531588, 2566759),
    27: Region("Bourgogne-Franche-Comté", 2802519, 2795301),
    28: Region("Normandie", 3293092, 3319067),
    32: Region("Hauts-de-France", 5931091, 5978266),
    44: Region("Grand Est", 5521452, 5518188),
    52: Region("Pays de la Loire", 3510170, 3786545),
    53: Region("Bretagne", 3149701, 3329395),
    75: Region("Nouvelle-Aquitaine", 5671076, 5987014),
    76: Region("Occitanie", 5419946, 5892817),
    84: Region("Auvergne-Rhône-Alpes", 7459092, 8026685),
    93: Region("Provence-Alpes-Côte d'Azur", 4882913, 5059473),
    94: Region("Corse", 302966, 339178),
}

POPULATION_YEARS = (2008, 2019)


def population_weights(year: int) -> dict[int, float]:
    """Each region's share of the population in `year` (2008 or 2019); shares sum to 1."""
    if year not in POPULATION_YEARS:
        raise ValueError(
            f"features.population_year: expected one of {POPULATION_YEARS}, got {year}"
        )
    counts = {
        code: (r.population_2008 if year == 2008 else r.population_2019)
        for code, r in REGIONS.items()
    }
    total = sum(counts.values())
    return {code: n / total for code, n in counts.items()}


# Where each region's temperature forecast is read (`openmeteo`), as (latitude, longitude): its
# prefecture, a city where much of the region's consumption is, as the population weighting of
# the national temperatures would have it.
POINTS: dict[int, tuple[float, float]] = {
    11: (48.8566, 2.3522),  # Paris
    24: (47.9030, 1.9093),  # Orléans
    27: (47.3220, 5.0415),  # Dijon
    28: (49.4432, 1.0999),  # Rouen
    32: (50.6292, 3.0573),  # Lille
    44: (48.5734, 7.7521),  # Strasbourg
    52: (47.2184, -1.5536),  # Nantes
    53: (48.1173, -1.6778),  # Rennes
    75: (44.8378, -0.5792),  # Bordeaux
    76: (43.6047, 1.4442),  # Toulouse
    84: (45.7640, 4.8357),  # Lyon
    93: (43.2965, 5.3698),  # Marseille
    94: (41.9192, 8.7386),  # Ajaccio
}
