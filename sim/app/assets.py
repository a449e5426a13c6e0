"""Front-end files of the Solara server, installed for machines that cannot reach a CDN.

Solara's web page loads its JavaScript and CSS (the Vuetify app, RequireJS, Font Awesome) through
the server's ``/_solara/cdn/`` route, which serves them from a cache folder and fills that folder
from the jsDelivr CDN on first use. A classroom or CI machine without access to that CDN gets a
blank page. :func:`install_assets` fills the cache from the npm registry instead (``npm pack``), so
the app works offline afterwards. The package versions are read from the installed Solara, so they
always match it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

# "{{cdn}}/@widgetti/solara-vuetify3-app@5.2.0/dist/..." -> "@widgetti/solara-vuetify3-app@5.2.0"
_SPEC = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/")
# "${this.getCdn()}/mermaid@10.8.0/dist/mermaid.min.js" -> "mermaid@10.8.0" (components' scripts)
_COMPONENT_SPEC = re.compile(r"getCdn\(\)\}/((?:@[\w.-]+/)?[\w.-]+@[\d][\w.-]*)/")
#: Solara components whose scripts the cache also holds: Markdown loads mermaid (diagrams) and
#: KaTeX (formulas) when it is first shown; the app's own page does not use it, but a Markdown
#: element added to it would otherwise fail offline with a 404 and a script error.
COMPONENT_FILES = ("components/markdown.py",)


class AssetError(RuntimeError):
    """The assets could not be installed (message is one line for the user)."""


def _template() -> str:
    import solara.server

    return (Path(solara.server.__file__).parent / "templates" / "solara.html.j2").read_text()


def required_packages() -> list[str]:
    """npm package specs (``name@version``) the installed Solara's page loads from its CDN route
    (the Vue 2 or the Vue 3 app, whichever this Solara serves)."""
    from solara.server import server, settings

    unused = "@widgetti/solara-vuetify-app@" if server.vue3 else "@widgetti/solara-vuetify3-app@"
    specs = {s for s in _SPEC.findall(_template()) if not s.startswith(unused)}
    fontawesome = settings.assets.fontawesome_path.strip("/").split("/")[0]
    if "@" in fontawesome:
        specs.add(fontawesome)
    return sorted(specs | set(component_packages()))


def component_packages() -> list[str]:
    """npm package specs that the Solara components of :data:`COMPONENT_FILES` load through the
    CDN route (read from the installed Solara, so they always match it)."""
    import solara

    root = Path(solara.__file__).parent
    specs = set()
    for name in COMPONENT_FILES:
        path = root / name
        if path.exists():
            specs.update(_COMPONENT_SPEC.findall(path.read_text(encoding="utf-8")))
    return sorted(specs)


def cache_dir() -> Path:
    """Solara's asset cache folder (``SOLARA_ASSETS_PROXY_CACHE_DIR``, default in the environment)."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def missing_packages(cache: Path | None = None) -> list[str]:
    """Required packages that are not in the cache yet."""
    cache = cache_dir() if cache is None else Path(cache)
    return [spec for spec in required_packages() if not (cache / spec / "package.json").exists()]


def _unpack(tarball: Path, target: Path) -> None:
    """Extract the ``package/`` folder of an npm tarball into ``target``."""
    staging = target.parent / f".{target.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(tarball) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("package/")]
        for m in members:
            m.name = m.name[len("package/"):]
        tar.extractall(staging, members=members, filter="data")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def install_assets(cache: Path | None = None, npm: str = "npm") -> list[str]:
    """Fetch the missing packages with ``npm pack`` and unpack them into the cache.

    Returns the package specs installed (empty when all were there already).
    """
    cache = cache_dir() if cache is None else Path(cache)
    todo = missing_packages(cache)
    if not todo:
        return []
    if shutil.which(npm) is None:
        raise AssetError(f"'{npm}' not found: install Node.js and npm to fetch the app's web assets "
                         f"({', '.join(todo)}), or use a machine that can reach the jsDelivr CDN")
    with tempfile.TemporaryDirectory() as tmp:
        for spec in todo:
            done = subprocess.run([npm, "pack", spec, "--pack-destination", tmp, "--silent"],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["no message"])[-1]
                raise AssetError(f"npm pack {spec} failed: {last}")
            tarball = Path(tmp) / done.stdout.strip().splitlines()[-1]
            target = cache / spec
            target.parent.mkdir(parents=True, exist_ok=True)
            _unpack(tarball, target)
    return todo
