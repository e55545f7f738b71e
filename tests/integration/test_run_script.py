"""scripts/run: it asks chatrelay itself whether an API key is configured (environment, .env,
config.toml with any TOML string syntax, --config FILE), and without one starts the fake Gemini
with chatrelay on 127.0.0.1 only, and says so. Runs a copy of the script in a scratch tree whose
build directory points at the real binaries and whose scripts/build does nothing."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import unittest

from harness import CHATRELAY_BIN, TEST_KEY

HERE = os.path.dirname(os.path.abspath(__file__))
RUN = os.path.join(HERE, "..", "..", "scripts", "run")
FAKE_BIN = os.environ.get("FAKE_GEMINI_BIN", "build/src/fake/chatrelay-fake-gemini")


class RunScript:
    """scripts/run started in `root` with `args`; collects its output until stop()."""

    def __init__(self, root, args, env):
        self.proc = subprocess.Popen([os.path.join(root, "scripts", "run"), *args], cwd=root, env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.lines = []
        self.listening = threading.Event()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith("listening on http://"):
                self.listening.set()
        self.listening.set()

    def text(self):
        return "".join(self.lines)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # its trap ends chatrelay and the fake
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc.stdout.close()


class RunScriptTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="chatrelay-run-")
        os.makedirs(os.path.join(self.root, "scripts"))
        shutil.copy(RUN, os.path.join(self.root, "scripts", "run"))
        with open(os.path.join(self.root, "scripts", "build"), "w") as f:
            f.write("#!/bin/sh\nexit 0\n")
        os.chmod(os.path.join(self.root, "scripts", "build"), 0o755)
        os.makedirs(os.path.join(self.root, "build", "src", "fake"))
        os.symlink(os.path.abspath(CHATRELAY_BIN), os.path.join(self.root, "build", "src", "chatrelay"))
        os.symlink(os.path.abspath(FAKE_BIN), os.path.join(self.root, "build", "src", "fake", "chatrelay-fake-gemini"))
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("GEMINI_", "CHATRELAY_", "HOST", "PORT", "BUILD_"))}
        self.env["LOG_LEVEL"] = "warn"

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def write(self, name, text):
        with open(os.path.join(self.root, name), "w") as f:
            f.write(text)

    def run_script(self, *args, env=None):
        run = RunScript(self.root, ["--port", "0", *args], {**self.env, **(env or {})})
        try:
            self.assertTrue(run.listening.wait(20), run.text())
            return run.text()
        finally:
            run.stop()

    def assert_real_gemini(self, text):
        self.assertNotIn("FAKE Gemini", text)
        self.assertRegex(text, r"listening on http://127\.0\.0\.1:\d+")

    def test_key_in_config_toml_single_quoted(self):
        self.write("config.toml", f"[server]\nhost = '127.0.0.1'\n[gemini]\napi_key = '{TEST_KEY}'\n")
        self.assert_real_gemini(self.run_script())

    def test_key_in_a_config_file_given_with_config(self):
        self.write("elsewhere.toml", f'[server]\nhost = "127.0.0.1"\n[gemini]\napi_key = """{TEST_KEY}"""\n')
        self.assert_real_gemini(self.run_script("--config", "elsewhere.toml"))

    def test_key_in_chatrelay_environment_variable(self):
        self.assert_real_gemini(self.run_script("--host", "127.0.0.1", env={"CHATRELAY_GEMINI_API_KEY": TEST_KEY}))

    def test_key_in_dotenv_with_export_and_quotes(self):
        self.write(".env", f"export GEMINI_API_KEY='{TEST_KEY}'\n")
        self.assert_real_gemini(self.run_script("--host", "127.0.0.1"))

    def test_without_a_key_the_fake_on_this_machine_only(self):
        text = self.run_script()
        self.assertIn("FAKE Gemini", text)
        self.assertIn("chatrelay listens on 127.0.0.1 only (this machine); set HOST=0.0.0.0", text)
        self.assertRegex(text, r"listening on http://127\.0\.0\.1:\d+")

    def test_without_a_key_host_is_respected(self):
        text = self.run_script(env={"HOST": "127.0.0.2"})
        self.assertIn("chatrelay listens on 127.0.0.2.", text)
        self.assertRegex(text, r"listening on http://127\.0\.0\.2:\d+")

    def test_says_where_the_chat_page_is(self):
        with socket.socket() as s:  # a port free a moment ago
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        text = self.run_script("--port", str(port))
        self.assertIn("Open the chat page in a browser: http://localhost:%d/" % port, text)
        text = self.run_script("--host", "127.0.0.1", "--port", str(port), env={"CHATRELAY_GEMINI_API_KEY": TEST_KEY})
        self.assertIn("==> Open the chat page in a browser: http://localhost:%d/" % port, text)
        self.assertIn('the address of chatrelay\'s "listening on" line', self.run_script())  # port 0

    def test_no_page_no_word_of_it(self):
        text = self.run_script("--host", "127.0.0.1", "--set", "server.ui=false", env={"CHATRELAY_GEMINI_API_KEY": TEST_KEY})
        self.assert_real_gemini(text)
        self.assertNotIn("chat page", text)


if __name__ == "__main__":
    unittest.main()
