import pytest

from tests.factories import WEST, CategoryFactory, ParentCategoryFactory, make_area


@pytest.fixture
def city():
    """One area and one sub-category to report in (modules that need more define their own)."""
    make_area(polygon=WEST)
    parent = ParentCategoryFactory(code="graffitis", name="Graffitis", icon="spray-can")
    return CategoryFactory(code="graffitis-tag", name="Graffiti ou tag", parent=parent)
