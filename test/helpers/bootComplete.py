"""Runs the app servers' boot-complete script against botocore's signer and a fake IMDS and Auto Scaling endpoint.

Usage: python3 bootComplete.py <script> <lifecycle state>. Prints one JSON line: whether the signature matches
botocore's SigV4, and the Auto Scaling actions the script called with their parameters.
"""
import datetime
import http.server
import importlib.util
import json
import os
import sys
import threading
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

script, state = sys.argv[1], sys.argv[2]
CREDS = {"AccessKeyId": "AKIDEXAMPLE", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "Token": "session-token"}
calls = []


class Fake(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, text):
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        self.reply("imds-token")

    def do_GET(self):
        assert self.headers["X-aws-ec2-metadata-token"] == "imds-token", "IMDSv2 token missing"
        answers = {
            "/latest/meta-data/instance-id": "i-0123456789abcdef0",
            "/latest/meta-data/placement/region": "eu-west-1",
            "/latest/meta-data/iam/security-credentials/": "production-app",
            "/latest/meta-data/iam/security-credentials/production-app": json.dumps(CREDS),
        }
        self.reply(answers[self.path])

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        params = dict(urllib.parse.parse_qsl(body))
        calls.append({"params": params, "signed": "Credential=AKIDEXAMPLE/" in self.headers["Authorization"]})
        group = "<AutoScalingGroupName>production-app-1a2b</AutoScalingGroupName>"
        self.reply(f"<R>{group}<LifecycleState>{state}</LifecycleState></R>" if params["Action"].startswith("Describe") else "<R/>")


server = http.server.HTTPServer(("127.0.0.1", 0), Fake)
threading.Thread(target=server.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{server.server_port}"
os.environ.update({"TWINE_IMDS": base, "TWINE_AUTOSCALING_ENDPOINT": base + "/", "TWINE_BOOT_HOOK": "twine-boot-complete"})

spec = importlib.util.spec_from_file_location("boot_complete", script)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)

# The signature, against botocore's SigV4 for the same request at the instant botocore signed it.
url = "https://autoscaling.eu-west-1.amazonaws.com/"
body = "Action=DescribeAutoScalingInstances&InstanceIds.member.1=i-0123456789abcdef0&Version=2011-01-01"
request = AWSRequest(method="POST", url=url, data=body, headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"})
SigV4Auth(Credentials(CREDS["AccessKeyId"], CREDS["SecretAccessKey"], CREDS["Token"]), "autoscaling", "eu-west-1").add_auth(request)
now = datetime.datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
ours = module.sign("POST", url, body, "eu-west-1", CREDS, now)

exit_code = module.main()
print(json.dumps({"signatureMatches": ours["authorization"] == request.headers["Authorization"], "exit": exit_code, "calls": calls}))
