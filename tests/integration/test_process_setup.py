"""What chatrelay does to its own process at start: secrets out of the environment block, no core
files, the open-file limit raised, secrets refused on the command line and never printed."""
import os
import re
import resource
import shutil
import subprocess
import unittest

from fake import FakeGemini
from harness import CHATRELAY_BIN, SANITIZED, TEST_KEY, Chatrelay, user

TOKEN = "bearer-token-0123456789-secret"


def limits(pid):
    """{name: (soft, hard)} from /proc/PID/limits."""
    out = {}
    with open(f"/proc/{pid}/limits") as f:
        for line in f.readlines()[1:]:
            m = re.match(r"(.+?)\s{2,}(\S+)\s+(\S+)", line)
            out[m.group(1)] = (m.group(2), m.group(3))
    return out


class SecretsTest(unittest.TestCase):
    def test_the_key_is_erased_from_the_environment_block(self):
        with FakeGemini() as fake, Chatrelay(fake=fake, env={"CHATRELAY_SERVER_AUTH_TOKENS": TOKEN}) as relay:
            # /proc/PID/environ shows the block the process started with: unsetenv alone leaves it.
            # Readable at all: the process stays dumpable for monitoring.
            with open(f"/proc/{relay.proc.pid}/environ", "rb") as f:
                environ = f.read()
            self.assertNotIn(TEST_KEY.encode(), environ)
            self.assertNotIn(TOKEN.encode(), environ)
            self.assertIn(b"GEMINI_BASE_URL=", environ)  # the others stay
            # ... and chatrelay still has both.
            status, _, raw = relay.request("POST", "/api/chat/stream", body={"messages": [user("hi")]},
                                           headers={"Authorization": "Bearer " + TOKEN})
            self.assertEqual(status, 200)
            self.assertIn(b'"type":"complete"', raw)
            self.assertEqual(fake.requests()[-1]["api_key_length"], len(TEST_KEY))

    def test_set_refuses_secrets(self):
        for arg in ("gemini.api_key=AIzaOnTheCommandLine0123456789", 'server.auth_tokens=["AIzaOnTheCommandLine0123"]'):
            r = subprocess.run([CHATRELAY_BIN, "--set", arg], capture_output=True, text=True, timeout=10)
            self.assertEqual(r.returncode, 2)
            self.assertIn("refused", r.stderr)
            self.assertIn("`ps`", r.stderr)
            self.assertNotIn("AIzaOnTheCommandLine", r.stderr + r.stdout)

    def test_check_config_never_prints_a_secret_as_a_value(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "CHATRELAY_"))}
        env.update({"GEMINI_API_KEY": TEST_KEY, "CHATRELAY_SERVER_AUTH_TOKENS": TOKEN})
        r = subprocess.run([CHATRELAY_BIN, "--check-config"], capture_output=True, text=True, timeout=10, env=env,
                           cwd="/")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"# api_key = <set, {len(TEST_KEY)} characters, from environment variable GEMINI_API_KEY>\n",
                      r.stdout)
        self.assertIn("# auth_tokens = <set, 1 token, from environment variable CHATRELAY_SERVER_AUTH_TOKENS>\n",
                      r.stdout)
        self.assertNotIn(TEST_KEY, r.stdout)
        self.assertNotIn(TOKEN, r.stdout)
        self.assertNotRegex(r.stdout, r"(?m)^(api_key|auth_tokens) =")


class DotenvIgnoredTest(unittest.TestCase):
    def test_git_ignores_dotenv(self):
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
        if shutil.which("git") is None or not os.path.exists(os.path.join(root, ".git")):
            self.skipTest("not a git checkout")
        for path in (".env", "deploy/.env"):
            r = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=root, timeout=10)
            self.assertEqual(r.returncode, 0, f"{path} is not ignored: a key in it could be committed")


class LimitsTest(unittest.TestCase):
    @staticmethod
    def start_limits():
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 4096))
        hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
        resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))  # core files on, as far as allowed

    def setUp(self):
        if resource.getrlimit(resource.RLIMIT_CORE)[1] == 0:
            self.skipTest("core files are off for this process already (hard limit 0)")

    def test_no_core_files_and_all_the_descriptors_allowed(self):
        with Chatrelay(preexec_fn=self.start_limits) as relay:
            got = limits(relay.proc.pid)
            self.assertEqual(got["Max open files"], ("4096", "4096"))
            self.assertEqual(got["Max core file size"][0], "0")
            # 4096 descriptors cannot hold 10,000 connections and their upstream ones: it says so.
            self.assertIn("the open-file limit is lower than server.max_connections may need", relay.log_text())
            self.assertIn("open_file_limit=4096 needed=20320 max_connections=10000", relay.log_text())

    def test_core_files_when_asked_for(self):
        if SANITIZED:
            self.skipTest("ASan turns core files off itself (disable_coredump)")
        with Chatrelay(preexec_fn=self.start_limits, env={"CHATRELAY_ALLOW_CORE_DUMPS": "1"},
                       args=["--set", "server.max_connections=1000"]) as relay:
            got = limits(relay.proc.pid)
            self.assertEqual(got["Max core file size"][0], got["Max core file size"][1])
            self.assertNotIn("open-file limit", relay.log_text())


if __name__ == "__main__":
    unittest.main()
