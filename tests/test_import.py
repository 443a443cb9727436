import subprocess
import sys


def test_import_loads_no_heavy_library():
    code = (
        "import sys, recognition_engine, recognition_engine.cli, recognition_engine.encoders;"
        "heavy = [m for m in ('torch', 'fastapi', 'sqlalchemy', 'sentence_transformers', 'transformers') if m in sys.modules];"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
