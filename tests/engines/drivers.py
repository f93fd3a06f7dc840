"""One small way to drive WebKit and Firefox, so each flow is written once.

WebKit (the engine of every browser on an iPhone) is WebKitGTK's MiniBrowser through
WebKitWebDriver and Selenium, on a virtual display; Firefox is Debian's Firefox ESR through
Puppeteer over WebDriver BiDi (``bridge.mjs``), headless. Both are driven with CSS selectors
and scripts: ``run`` takes a function body (``return ...``) and may return a promise."""
import json
import os
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MINIBROWSER = Path("/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser")
WEBKIT_DRIVER = Path("/usr/bin/WebKitWebDriver")
FIREFOX = Path("/usr/bin/firefox-esr")
PUPPETEER = HERE / "node_modules" / "puppeteer-core"
PHONE = (390, 844)
# Out from under the fixed bottom navigation before a click lands on it.
SCROLL_TO_MIDDLE = """const element = document.querySelector({css});
if (!element) return false;
element.scrollIntoView({{block: "center"}});
return true;"""
DESKTOP = (1280, 800)


def missing_for(engine: str) -> list[str]:
    """What this machine lacks to run ``engine`` (empty when it can)."""
    needs = {"webkit": [MINIBROWSER, WEBKIT_DRIVER, Path("/usr/bin/Xvfb"),
                        Path("/usr/bin/matchbox-window-manager")],
             "firefox": [FIREFOX, PUPPETEER, Path("/usr/bin/node")]}[engine]
    return [str(path) for path in needs if not path.exists()]


class VirtualDisplay:
    """An X display of exactly one screen size, with a window manager that gives the only
    window the whole screen (MiniBrowser's toolbar would otherwise keep it 447 px wide)."""

    def __init__(self, number: int, size: tuple[int, int]):
        self.name = f":{number}"
        width, height = size
        self.server = subprocess.Popen(
            ["Xvfb", self.name, "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        socket = Path(f"/tmp/.X11-unix/X{number}")
        deadline = time.monotonic() + 10
        while not socket.exists():
            if self.server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Xvfb {self.name} did not start")
            time.sleep(0.05)
        self.manager = subprocess.Popen(
            ["matchbox-window-manager", "-use_titlebar", "no"],
            env={**os.environ, "DISPLAY": self.name},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        for process in (self.manager, self.server):
            process.terminate()
            process.wait(timeout=10)


class WebKit:
    engine = "webkit"

    def __init__(self, display: VirtualDisplay, zone: str):
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service

        options = Options()
        options.binary_location = str(MINIBROWSER)
        options.add_argument("--automation")
        options.add_argument("--full-screen")
        service = Service(executable_path=str(WEBKIT_DRIVER),
                          env={**os.environ, "DISPLAY": display.name, "TZ": zone})
        self.driver = webdriver.WebKitGTK(options=options, service=service)
        self.driver.set_script_timeout(30)

    def goto(self, url: str) -> None:
        self.driver.get(url)

    def click(self, css: str, navigates: bool = False) -> None:
        # A WebDriver click waits for the navigation it starts.
        self.wait_for(SCROLL_TO_MIDDLE.format(css=json.dumps(css)), css)
        self.driver.find_element("css selector", css).click()

    def fill(self, css: str, value) -> None:
        self.wait_for(f"return !!document.querySelector({json.dumps(css)})", css)
        element = self.driver.find_element("css selector", css)
        element.clear()
        element.send_keys(str(value))

    def run(self, script: str, *args):
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"Promise.resolve((function () {{ {script} }}).apply(null, "
            "Array.prototype.slice.call(arguments, 0, -1)))"
            ".then(done, e => done({__error: String(e)}));", *args)

    def screenshot(self, path: Path) -> None:
        self.driver.save_screenshot(str(path))

    @property
    def url(self) -> str:
        return self.driver.current_url

    def wait_for(self, script: str, what: str, seconds: float = 20):
        return wait_for(self, script, what, seconds)

    def quit(self) -> None:
        self.driver.quit()


class Firefox:
    engine = "firefox"

    def __init__(self, zone: str, size: tuple[int, int]):
        self.process = subprocess.Popen(
            ["node", str(HERE / "bridge.mjs")], cwd=HERE, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            env={**os.environ, "TZ": zone, "TEND_FIREFOX": str(FIREFOX),
                 "HOME": os.environ.get("HOME", "/tmp")})
        self._call("viewport", width=size[0], height=size[1])

    def _call(self, op: str, **args):
        self.process.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("Firefox (Puppeteer) stopped answering")
        answer = json.loads(line)
        if not answer["ok"]:
            raise AssertionError(f"Firefox: {op} failed: {answer['error']}")
        return answer["value"]

    def goto(self, url: str) -> None:
        self._call("goto", url=url)

    def click(self, css: str, navigates: bool = False) -> None:
        self.wait_for(SCROLL_TO_MIDDLE.format(css=json.dumps(css)), css)
        self._call("click", css=css, navigates=navigates)

    def fill(self, css: str, value) -> None:
        self._call("fill", css=css, value=str(value))

    def run(self, script: str, *args):
        return self._call("run", script=script, args=list(args))

    def screenshot(self, path: Path) -> None:
        self._call("screenshot", path=str(path))

    @property
    def url(self) -> str:
        return self._call("url")

    def wait_for(self, script: str, what: str, seconds: float = 20):
        return wait_for(self, script, what, seconds)

    def quit(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def wait_for(browser, script: str, what: str, seconds: float = 20):
    """Poll ``script`` until it returns something truthy (a page may be loading meanwhile)."""
    deadline = time.monotonic() + seconds
    last = None
    while True:
        try:
            value = browser.run(script)
            if value and not (isinstance(value, dict) and "__error" in value):
                return value
            last = value
        except Exception as error:  # the page is between two documents
            last = error
        if time.monotonic() > deadline:
            raise AssertionError(f"{browser.engine}: gave up waiting for {what} (last: {last})")
        time.sleep(0.2)
