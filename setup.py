"""Build relsparse: setuptools hands every native module to CMake (CMakeLists.txt).

The extension is compiled against the Python (and, for the tensor ops, the
torch) of the environment that runs the build, so install with
``pip install --no-build-isolation .``: an isolated build environment would
fetch a different torch than the one you run.

Developers rebuild in place with ``python setup.py build_ext --inplace``.

Environment knobs:
  RELSPARSE_BUILD_DIR   CMake build tree (default: build/<python tag>), kept
                        between builds so rebuilds are incremental.
  RELSPARSE_NATIVE=0    do not compile for the build machine's CPU.
  RELSPARSE_CMAKE_ARGS  extra arguments for the CMake configure step.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeExtension(Extension):
    """A module whose sources and flags live in CMakeLists.txt, not here."""

    def __init__(self, name: str, target: str) -> None:
        super().__init__(name, sources=[])
        self.target = target


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        if not isinstance(ext, CMakeExtension):
            super().build_extension(ext)
            return
        tag = sysconfig.get_config_var("SOABI") or f"py{sys.version_info[0]}{sys.version_info[1]}"
        build_dir = Path(os.environ.get("RELSPARSE_BUILD_DIR", ROOT / "build" / tag))
        # CMake writes modules to a fixed folder of the build tree (setuptools'
        # own build folders are temporary), then they are copied into place.
        lib_dir = build_dir / "lib"
        lib_dir.mkdir(parents=True, exist_ok=True)
        configure = [
            "cmake",
            "-S", str(ROOT),
            "-B", str(build_dir),
            "-G", "Ninja",
            f"-DPython_EXECUTABLE={sys.executable}",
            f"-DCMAKE_LIBRARY_OUTPUT_DIRECTORY={lib_dir}",
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DRELSPARSE_NATIVE={'OFF' if os.environ.get('RELSPARSE_NATIVE') == '0' else 'ON'}",
        ]
        configure += _torch_cmake_args()
        configure += shlex.split(os.environ.get("RELSPARSE_CMAKE_ARGS", ""))
        subprocess.run(configure, check=True)
        targets = [ext.target]
        if ext.target == "_ops" and _cuda_compiler_available(build_dir):
            # Compile the CUDA kernels (and, for a CPU torch, the CUDA glue)
            # even when this torch cannot use them, so that a compile error
            # fails the build (and CI).
            targets.append("relsparse_cuda_kernels")
            if _torch().version.cuda is None:
                targets.append("relsparse_cuda_glue_check")
        subprocess.run(["cmake", "--build", str(build_dir), "--target", *targets], check=True)
        built = lib_dir / Path(self.get_ext_filename(ext.name)).name
        destination = Path(self.get_ext_fullpath(ext.name))
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, destination)


def _torch() -> "object | None":
    try:
        import torch
    except ImportError:
        return None
    return torch


def _torch_cmake_args() -> list:
    torch = _torch()
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    if torch is None:
        return ["-DRELSPARSE_BUILD_OPS=OFF"]
    has_cuda = torch.version.cuda is not None
    return [
        "-DRELSPARSE_BUILD_OPS=ON",
        f"-DCMAKE_PREFIX_PATH={torch.utils.cmake_prefix_path}",
        f"-DRELSPARSE_TORCH_CUDA={'ON' if has_cuda else 'OFF'}",
        f"-DRELSPARSE_EXT_SUFFIX={suffix}",
    ]


def _cuda_compiler_available(build_dir: Path) -> bool:
    cache = build_dir / "CMakeCache.txt"
    return cache.exists() and any(
        line.startswith("CMAKE_CUDA_COMPILER:") and not line.rstrip().endswith("NOTFOUND")
        for line in cache.read_text().splitlines()
    )


_extensions = [CMakeExtension("relsparse._graph", target="_graph")]
if _torch() is not None:
    _extensions.append(CMakeExtension("relsparse._ops", target="_ops"))
else:  # pragma: no cover - the graph engine alone
    print("relsparse: torch is not installed; building the graph engine only (no layers)")

setup(
    ext_modules=_extensions,
    cmdclass={"build_ext": CMakeBuild},
)
