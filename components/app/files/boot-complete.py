#!/usr/bin/python3
"""Completes this server's launch lifecycle hook once its boot has finished (twine-boot-complete.service).

A warm-pool server is stopped as soon as it runs unless a launch hook holds it; it enters service from the pool
through the same hook on a later boot. So this runs on every boot, after cloud-init's final stage, and completes
the hook only while the server waits on it. Standard library only: the image has no AWS CLI.
https://docs.aws.amazon.com/autoscaling/ec2/userguide/warm-pool-instance-lifecycle.html
"""
import datetime
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.parse
import urllib.request

IMDS = os.environ.get("TWINE_IMDS", "http://169.254.169.254")
HOOK = os.environ.get("TWINE_BOOT_HOOK", "twine-boot-complete")
WAITING = ("Pending:Wait", "Warmed:Pending:Wait")


def imds(path, token):
    request = urllib.request.Request(IMDS + path, headers={"X-aws-ec2-metadata-token": token})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read().decode()


def sign(method, url, body, region, creds, now):
    """SigV4 headers for a form POST to the Auto Scaling query API (AWS General Reference, "Signature Version 4")."""
    host = urllib.parse.urlparse(url).netloc
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    headers = {"content-type": "application/x-www-form-urlencoded; charset=utf-8", "host": host, "x-amz-date": amz_date}
    if creds.get("Token"):
        headers["x-amz-security-token"] = creds["Token"]
    names = sorted(headers)
    canonical = "\n".join(
        [method, "/", "", "".join(f"{n}:{headers[n]}\n" for n in names), ";".join(names), hashlib.sha256(body.encode()).hexdigest()]
    )
    scope = f"{day}/{region}/autoscaling/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + creds["SecretAccessKey"]).encode()
    for part in (day, region, "autoscaling", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={creds['AccessKeyId']}/{scope}, SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return headers


def call(endpoint, region, creds, params):
    body = urllib.parse.urlencode({**params, "Version": "2011-01-01"})
    headers = sign("POST", endpoint, body, region, creds, datetime.datetime.now(datetime.timezone.utc))
    request = urllib.request.Request(endpoint, data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def field(xml, name):
    start = xml.find(f"<{name}>")
    return xml[start + len(name) + 2 : xml.find(f"</{name}>", start)] if start >= 0 else None


def main():
    token_request = urllib.request.Request(
        IMDS + "/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "300"}, method="PUT"
    )
    with urllib.request.urlopen(token_request, timeout=5) as response:
        token = response.read().decode()
    instance = imds("/latest/meta-data/instance-id", token)
    region = imds("/latest/meta-data/placement/region", token)
    role = imds("/latest/meta-data/iam/security-credentials/", token).split("\n")[0]
    creds = json.loads(imds("/latest/meta-data/iam/security-credentials/" + role, token))
    endpoint = os.environ.get("TWINE_AUTOSCALING_ENDPOINT", f"https://autoscaling.{region}.amazonaws.com/")
    described = call(endpoint, region, creds, {"Action": "DescribeAutoScalingInstances", "InstanceIds.member.1": instance})
    group, state = field(described, "AutoScalingGroupName"), field(described, "LifecycleState")
    if not group or state not in WAITING:
        print(f"{instance}: lifecycle state {state} in group {group}: no launch hook to complete")
        return 0
    call(
        endpoint,
        region,
        creds,
        {
            "Action": "CompleteLifecycleAction",
            "AutoScalingGroupName": group,
            "LifecycleHookName": HOOK,
            "InstanceId": instance,
            "LifecycleActionResult": "CONTINUE",
        },
    )
    print(f"{instance}: completed {HOOK} of {group} from {state}")
    return 0


if __name__ == "__main__":
    for attempt in range(10):
        try:
            sys.exit(main())
        except Exception as error:  # the role's policy may still be on its way: retry, then leave it to the timeout
            print(f"attempt {attempt + 1}: {error}", file=sys.stderr)
            time.sleep(min(30, 2**attempt))
    sys.exit(1)
