"""OpenAI's own JavaScript SDK (openai, pinned in tests/openai-sdk/package-lock.json) against
chatrelay's OpenAI-compatible API, with chatrelay-fake-gemini behind it (DESIGN.md §1, §5).
`npm ci` installs the SDK when it is missing; skipped only without Node.js >= 20 and npm."""
import os
import shutil
import subprocess
import unittest

from harness import FakeAndRelay, node_major, wait_until

SDK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "openai-sdk")
RECORDINGS = os.path.abspath(os.environ.get("CHATRELAY_RECORDINGS", "../data/gemini-recordings"))
# The names the SDK asks for: gemini.models must list them (the fake plays scenario NAME for
# "fake-NAME").
MODELS = ["gemini-2.5-flash"] + ["fake-" + s for s in
                                 ("normal", "code", "thoughts", "429", "503", "reset", "endless", "max-tokens",
                                  "safety")]


@unittest.skipUnless(shutil.which("npm") and node_major() >= 20, "Node.js >= 20 with npm is needed")
class OpenAiSdkTest(FakeAndRelay, unittest.TestCase):
    # No retries: each scenario's first answer is what the SDK must see, quickly.
    RELAY_ENV = {"CHATRELAY_GEMINI_MODELS": ",".join(MODELS), "CHATRELAY_GEMINI_MAX_RETRIES": "0"}

    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(os.path.join(SDK_DIR, "node_modules", "openai")):
            # The registry is reachable here and in CI: a failure is a failure, not a skip.
            r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=SDK_DIR,
                               capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                raise RuntimeError("npm ci failed: " + r.stderr[-600:])
        super().setUpClass()
        cls.base_url = "http://127.0.0.1:%d/v1" % cls.relay.port

    def sdk(self, case):
        r = subprocess.run(["node", "sdk_reads_chatrelay.mjs", self.base_url, RECORDINGS, case], cwd=SDK_DIR,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + self.relay.log_text()[-3000:])
        self.assertIn("sdk ok: " + case, r.stdout)
        return r.stdout

    def test_answers_streamed_and_whole_equal_the_recorded_text(self):
        self.sdk("answers")

    def test_errors_are_the_sdk_error_classes(self):
        self.sdk("errors")

    def test_models(self):
        self.sdk("models")

    def test_an_abort_closes_the_upstream_call(self):
        gone = 'chatrelay_openai_completions_total{outcome="client_gone"}'
        before = self.relay.metric(gone)
        self.assertIsNotNone(before)
        self.assertIn("aborted", self.sdk("abort"))
        # fake-endless never ends by itself: only chatrelay closing the call ends its stream.
        self.assertTrue(wait_until(lambda: self.fake.stats()["open_streams"] == 0, timeout=5),
                        self.fake.stats())
        self.assertTrue(wait_until(lambda: self.relay.metric(gone) == before + 1, timeout=5))
        self.assertEqual(self.relay.metric("chatrelay_openai_completions_active"), 0)


if __name__ == "__main__":
    unittest.main()
