"""Google's own JavaScript SDK (@google/genai, pinned in tests/sdk/package-lock.json) reads
chatrelay-fake-gemini's streams and errors as it reads Google's. Skipped without Node.js >= 20."""
import os
import shutil
import subprocess
import unittest

from fake import FakeGemini
from harness import node_major

SDK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sdk")


@unittest.skipUnless(shutil.which("npm") and node_major() >= 20, "Node.js >= 20 with npm is needed")
class GoogleSdkTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(os.path.join(SDK_DIR, "node_modules", "@google", "genai")):
            r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=SDK_DIR,
                               capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                raise unittest.SkipTest("npm ci failed (no registry?): " + r.stderr[-300:])

    def test_sdk_reads_the_fake_like_google(self):
        with FakeGemini() as fake:
            env = dict(os.environ, NODE_EXTRA_CA_CERTS=fake.ca)
            r = subprocess.run(["node", "sdk_reads_fake.mjs", fake.url], cwd=SDK_DIR, env=env,
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("sdk ok", r.stdout)


if __name__ == "__main__":
    unittest.main()
