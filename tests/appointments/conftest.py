from tests.pages.conftest import web  # noqa: F401 - the signed-in page client
