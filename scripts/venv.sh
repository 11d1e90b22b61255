# Sourced by demo.sh and test.sh: create and activate ./.venv, with torch in it.
python3 -m venv .venv
# shellcheck disable=SC1091
source .venv/bin/activate
# torch==2.13.0 is a CPU wheel on these machines' local index; an unpinned torch would pull
# a multi-GB CUDA build. pyproject's range (torch>=2.2) then installs nothing more.
python -c "import torch" 2>/dev/null || pip install --quiet torch==2.13.0
