# Every target installs what it needs itself: idempotent, and quick when already done.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.me-lib-installed
SYS_STAMP := .run/sysdeps-ok
# Debian packages the tests drive for real: PC/SC daemon + virtual reader driver
# (pyscard compiles against libpcsclite-dev), socat for pty pairs, ser2net for RFC 2217.
APT_PKGS := pcscd vsmartcard-vpcd libpcsclite-dev socat ser2net

# The official MicroPython WebAssembly build (pinned in package-lock.json) for the
# tests/portable runner under node (tests/micropython/run_wasm.mjs).
MP_NODE := tests/micropython
MP_NODE_STAMP := $(MP_NODE)/node_modules/.package-lock.json

.PHONY: test demo bench lint sysdeps venv clean mpdeps deploy fuzz mutation pythons

sysdeps: $(SYS_STAMP)
$(SYS_STAMP):
	@missing=""; for p in $(APT_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq -o DPkg::Lock::Timeout=300 && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    -o DPkg::Lock::Timeout=300 $$missing; \
	fi
	@mkdir -p .run && touch $@

venv: $(STAMP)
$(STAMP): pyproject.toml $(SYS_STAMP)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[pcsc,test]'
	@touch $@

mpdeps: $(MP_NODE_STAMP)
$(MP_NODE_STAMP): $(MP_NODE)/package.json $(MP_NODE)/package-lock.json $(SYS_STAMP)
	cd $(MP_NODE) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The board's modules as .mpy: to a board with PORT=/dev/ttyUSB0, else sizes only.
deploy: $(STAMP)
	$(PY) -m firmware_shim.deploy $(if $(PORT),--port $(PORT),--dry-run)

# After the unit/e2e suite, the HIL suite (hil/, docs/hil.md) against every transport CI
# can run: four simulated modules in parallel (one xdist worker each), a bare sim:// URL,
# a real pty, RFC 2217 through a ser2net started by the fixtures, and the card through
# pcscd + vpcd. Between the two, `make pythons`: the wheel on CPython 3.12 and 3.13.
# JUnit XML and per-test AT traces go to build/hil/. Each run fails make.
# The PC/SC run is last and alone: pcscd is machine-wide (/tmp/me-lib-pcsc.lock).
test: $(STAMP) $(MP_NODE_STAMP)
	$(PY) -m pytest -q -p no:cacheprovider
	@PY=$(PY) .ci/other_pythons.sh
	@rm -rf build/hil && mkdir -p build/hil
	@set -e; hil() { name=$$1; shift; echo "== hil: $$name"; \
	  $(PY) -m pytest hil -q -p no:cacheprovider -o junit_family=xunit1 --timeout 120 \
	    --junitxml build/hil/$$name.xml --hil-traces build/hil/traces/$$name "$$@"; }; \
	hil sim4 --rig hil/rigs/sim4.toml -n 4; \
	hil sim-url --modem 'sim://nordic-nrf91-slm?speed=200'; \
	hil pty --rig hil/rigs/pty.toml; \
	hil rfc2217 --rig hil/rigs/rfc2217.toml; \
	hil pcsc --rig hil/rigs/pcsc.toml

# The wheel, checked for its package data, installed into fresh 3.12 and 3.13 virtual
# environments (pyenv builds; a missing one is reported and skipped), `me-lib demo` in each.
pythons: $(STAMP)
	@PY=$(PY) .ci/other_pythons.sh

demo: $(STAMP)
	$(VENV)/bin/me-lib demo

bench: $(STAMP) $(MP_NODE_STAMP)
	$(PY) -m bench.run

# FUZZ_INPUTS inputs (default 10^6) into each target of bench/fuzz_targets.py (or only
# FUZZ_TARGETS="codec_tlv card_crsm"); escapes counted into bench/results.json.
FUZZ_INPUTS ?= 1000000
fuzz: $(STAMP)
	@$(PY) -c "import atheris" 2>/dev/null || $(PY) -m pip install -q --disable-pip-version-check -e '.[fuzz]' || echo "atheris unavailable: pure-Python mutation loop"
	$(PY) -m bench.fuzz --inputs $(FUZZ_INPUTS) $(FUZZ_TARGETS)

# mutmut over at/, card/, codec/, provision/ (hours on 2 cores); scope it with
# MUTATE="me_lib/at/redact.py" and optionally MUTATION_TESTS="tests/at/test_redact.py"
# (default: the TESTS_FOR table in bench/mutation.py). Kill rate -> bench/results.json.
mutation: $(STAMP)
	@$(PY) -c "import mutmut" 2>/dev/null || $(PY) -m pip install -q --disable-pip-version-check -e '.[mutation]'
	$(PY) -m bench.mutation

lint: $(STAMP)
	$(VENV)/bin/ruff check me_lib tests bench hil firmware_shim
	$(VENV)/bin/mypy --strict me_lib hil firmware_shim

clean:
	rm -rf $(VENV) .run $(MP_NODE)/node_modules
