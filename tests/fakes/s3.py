"""A real S3 API over HTTP on loopback: moto's server, in a process of its own.

Its own process, so what moto keeps of the objects never counts in a test's memory, and so any
number of our processes (web, worker) can share the one bucket, as on a real deployment. It
stops when the test session's end closes its standard input.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from dataclasses import dataclass
from typing import Any

import boto3

_SERVE = (
    "import sys\n"
    "from moto.server import ThreadedMotoServer\n"
    "server = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False)\n"
    "server.start()\n"
    "print('%s:%s' % server.get_host_and_port(), flush=True)\n"
    "sys.stdin.read()\n"
    "server.stop()\n"
)
ACCESS_KEY = "hona-test-access-key"
SECRET_KEY = "hona-test-secret-key"
REGION = "us-east-1"


class MotoServer:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SERVE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # a line for every request
            text=True,
        )
        assert self.process.stdout is not None
        self.endpoint_url = f"http://{self.process.stdout.readline().strip()}"

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def new_bucket(self) -> Bucket:
        name = f"hona-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return Bucket(name=name, server=self)


@dataclass(frozen=True)
class Bucket:
    name: str
    server: MotoServer

    @property
    def environment(self) -> dict[str, str]:
        """The variables a deployment sets to keep its files in this bucket."""
        return {
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": self.name,
            "AWS_S3_ENDPOINT_URL": self.server.endpoint_url,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def keys(self) -> list[str]:
        """Every object in the bucket, listed through the S3 API."""
        pages = self.server.client().get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def get(self, key: str) -> dict[str, Any]:
        return self.server.client().get_object(Bucket=self.name, Key=key)

    def read(self, key: str) -> bytes:
        return self.get(key)["Body"].read()
