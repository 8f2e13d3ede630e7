"""Build satscore's optional C kernel.

``satscore._stats._prn_ext`` computes batched SHA-256 of ``salt || id`` (hardware SHA
instructions when the CPU has them) for permanent random numbers. It is optional: when
no C compiler is available the build goes on and satscore hashes with ``hashlib``, which
gives the same numbers more slowly (the tests compare the two bit for bit; ``satscore
info`` says which one runs). Everything else is configured in pyproject.toml.
"""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildExt(build_ext):
    """Compiler flags per compiler family (MSVC spells them differently)."""

    def build_extensions(self) -> None:
        msvc = self.compiler.compiler_type == "msvc"
        for ext in self.extensions:
            ext.extra_compile_args = ["/O2"] if msvc else ["-O3", "-fno-strict-aliasing"]
        super().build_extensions()


setup(
    ext_modules=[
        Extension("satscore._stats._prn_ext", ["src/satscore/_stats/_prn_ext.c"], optional=True),
    ],
    cmdclass={"build_ext": BuildExt},
)
