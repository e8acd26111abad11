"""The radar chart: valid SVG, with a text alternative, every text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from bot.charts.radar import HEIGHT, WIDTH, RadarAxis, describe, radar_svg

SVG = "{http://www.w3.org/2000/svg}"
AXES = [
    RadarAxis("Stratégie et gouvernance", 40.0),
    RadarAxis("Relation usagers et participation", 75.5),
    RadarAxis("Données et interopérabilité", None),
    RadarAxis("Organisation interne et compétences", 100.0),
    RadarAxis("Infrastructures et patrimoine", 0.0),
    RadarAxis("Développement durable et budget", 62.5),
]


def parse(axes: list[RadarAxis]) -> ET.Element:
    return ET.fromstring(str(radar_svg(axes)))


def test_is_an_accessible_image_with_title_and_description() -> None:
    svg = parse(AXES)
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    desc = svg.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert desc.text == describe(AXES)
    assert "Relation usagers et participation : 75,5/100" in desc.text
    assert "Données et interopérabilité : non évalué" in desc.text


def test_one_point_and_one_label_per_axis_inside_the_picture() -> None:
    svg = parse(AXES)
    scores = svg.find(f".//{SVG}polygon[@class='radar-scores']")
    assert scores is not None
    points = [tuple(map(float, pair.split(","))) for pair in scores.get("points").split()]
    assert len(points) == len(AXES)
    for x, y in points:
        assert 0 <= x <= WIDTH and 0 <= y <= HEIGHT
    labels = svg.findall(f"./{SVG}g[@class='radar-libelles']/{SVG}text")
    assert len(labels) == len(AXES)
    assert "".join(labels[0].itertext()).startswith("Stratégie et")


def test_a_missing_score_sits_at_the_centre() -> None:
    def score_points(axes: list[RadarAxis]) -> list[str]:
        return parse(axes).find(f".//{SVG}polygon[@class='radar-scores']").get("points").split()

    centre = set(score_points([RadarAxis("a", None), RadarAxis("b", None), RadarAxis("c", None)]))
    assert len(centre) == 1
    points = score_points(AXES)
    assert points[2] in centre, "no score"
    assert points[4] in centre, "a score of 0"


def test_texts_are_escaped() -> None:
    svg = radar_svg(
        [RadarAxis("<script>alert(1)</script>", 10), RadarAxis("A & B", 20), RadarAxis('"c"', 30)]
    )
    assert "<script>" not in svg
    tree = ET.fromstring(str(svg))
    assert "<script>alert(1)</script>" in "".join(tree.itertext())


def test_needs_three_axes() -> None:
    with pytest.raises(ValueError):
        radar_svg([RadarAxis("a", 1), RadarAxis("b", 2)])
