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

.PHONY: test demo bench lint sysdeps venv clean

sysdeps: $(SYS_STAMP)
$(SYS_STAMP):
	@missing=""; for p in $(APT_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
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

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider

demo: $(STAMP)
	$(VENV)/bin/me-lib demo

bench: $(STAMP)
	$(PY) -m bench.run

lint: $(STAMP)
	$(VENV)/bin/ruff check me_lib tests bench
	$(VENV)/bin/mypy --strict me_lib

clean:
	rm -rf $(VENV) .run
