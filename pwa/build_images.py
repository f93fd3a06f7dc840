"""Draw the manifest's icons and screenshots with headless Chromium; the PNGs are committed.

    .venv/bin/python -m pwa.build_images

Icons come from static/img/icon.svg; the maskable ones put the leaf inside the central safe
circle on a full-bleed background. Screenshots are of the demo client's Today page, served
from a throw-away database."""
import re
import tempfile
import threading
from pathlib import Path

from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ICONS = HERE / "static" / "icons"
SCREENSHOTS = HERE / "static" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]


def maskable_svg(source: str) -> str:
    """The same leaf, 80% as large, on a square that fills the whole mask."""
    leaf = re.search(r"<path[^>]*/>", source).group(0)
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
            '<rect width="64" height="64" fill="#1f6f5c"/>'
            f'<g transform="translate(32 32) scale(0.8) translate(-32 -33)">{leaf}</g></svg>')


def render_icon(page, svg: str, size: int, path: Path) -> None:
    page.set_viewport_size({"width": size, "height": size})
    sized = svg.replace("<svg ", f'<svg width="{size}" height="{size}" style="display:block" ', 1)
    page.set_content(f'<html><body style="margin:0">{sized}</body></html>')
    page.screenshot(path=str(path), omit_background=True)
    print(f"wrote {path.relative_to(ROOT)}")


def build_icons(browser) -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    source = (ROOT / "static" / "img" / "icon.svg").read_text()
    page = browser.new_page()
    for size in (192, 512):
        render_icon(page, source, size, ICONS / f"icon-{size}.png")
        render_icon(page, maskable_svg(source), size, ICONS / f"icon-maskable-{size}.png")
    render_icon(page, maskable_svg(source), 180, ICONS / "apple-touch-icon.png")
    page.close()


def serve_demo():
    """A demo client on a throw-away database, served on a free port."""
    from app import create_app
    from models import db
    from tend import demo
    from models.base import utcnow

    folder = tempfile.mkdtemp(prefix="tend-images-")
    app = create_app({"SECRET_KEY": "images", "SQLALCHEMY_DATABASE_URI":
                      f"sqlite:///{folder}/tend.sqlite3"})
    with app.app_context():
        upgrade()
        passwords = demo.create_demo_accounts(db.session, utcnow())
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = demo.DEMO_PEOPLE[0].email
    return server, f"http://127.0.0.1:{server.server_port}", client, passwords[client]


def build_screenshots(browser) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    server, base, email, password = serve_demo()
    try:
        for name, viewport, scale in (("today-narrow", {"width": 390, "height": 844}, 2),
                                      ("today-wide", {"width": 1280, "height": 800}, 1)):
            context = browser.new_context(viewport=viewport, device_scale_factor=scale,
                                          locale="en-GB", timezone_id="Europe/London",
                                          service_workers="block")
            page = context.new_page()
            page.goto(f"{base}/login")
            page.get_by_label("E-mail").fill(email)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/today")
            path = SCREENSHOTS / f"{name}.png"
            page.screenshot(path=str(path))
            print(f"wrote {path.relative_to(ROOT)}")
            context.close()
    finally:
        server.shutdown()


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        build_icons(browser)
        build_screenshots(browser)
        browser.close()


if __name__ == "__main__":
    main()
