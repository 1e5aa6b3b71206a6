"""A small Redis client (RESP2 over TCP, Python standard library only) for the ops/ scripts.

Binary-safe: bulk strings come back as bytes. Errors come back as RedisReplyError; a
connection that breaks raises OSError (ConnectionError), so callers can tell "Redis said
no" from "Redis is not there" (e.g. while ops/chaos has it killed).
"""
import socket


class RedisReplyError(Exception):
    pass


class Redis:
    def __init__(self, host="127.0.0.1", port=6379, password=None, timeout=5.0):
        self.host, self.port, self.password, self.timeout = host, port, password, timeout
        self.sock = None
        self.buffer = b""

    def connect(self):
        self.close()
        self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        self.buffer = b""
        if self.password is not None:
            self._send(["AUTH", self.password])
            self._read()

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None

    def __call__(self, *args):
        """One command; connects (again) when needed. Raises OSError when Redis is out of reach."""
        if self.sock is None:
            self.connect()
        try:
            self._send(args)
            return self._read()
        except OSError:
            self.close()
            raise

    def pipeline(self, commands):
        """Several commands in one round trip; errors are returned in place, not raised."""
        if self.sock is None:
            self.connect()
        try:
            self.sock.sendall(b"".join(self._encode(c) for c in commands))
            replies = []
            for _ in commands:
                try:
                    replies.append(self._read())
                except RedisReplyError as error:
                    replies.append(error)
            return replies
        except OSError:
            self.close()
            raise

    @staticmethod
    def _encode(args):
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        return b"".join(parts)

    def _send(self, args):
        self.sock.sendall(self._encode(args))

    def _line(self):
        while b"\r\n" not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("Redis closed the connection")
        self.buffer += chunk

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RedisReplyError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            while len(self.buffer) < size + 2:
                self._fill()
            data, self.buffer = self.buffer[:size], self.buffer[size + 2:]
            return data
        if kind == b"*":
            count = int(rest)
            if count < 0:
                return None
            return [self._read() for _ in range(count)]
        raise ConnectionError(f"unexpected reply from Redis: {line[:80]!r}")

    # Helpers over whole collections.

    def scan_keys(self, match="*"):
        cursor, keys = b"0", []
        while True:
            cursor, batch = self("SCAN", cursor, "MATCH", match, "COUNT", 1000)
            keys.extend(batch)
            if cursor in (b"0", 0):
                return keys

    def stream(self, key, batch=5000):
        """Every entry of a stream: [(entry id, {field: value})], bytes throughout."""
        entries, start = [], "-"
        while True:
            chunk = self("XRANGE", key, start, "+", "COUNT", batch)
            for entry_id, fields in chunk:
                entries.append((entry_id, dict(zip(fields[::2], fields[1::2]))))
            if len(chunk) < batch:
                return entries
            start = b"(" + chunk[-1][0]

    def values(self, key):
        """Every byte string a key holds, whatever its type (for scanning a keyspace)."""
        kind = self("TYPE", key)
        if kind == "string":
            return [self("GET", key)]
        if kind == "hash":
            return self("HGETALL", key)
        if kind == "list":
            return self("LRANGE", key, 0, -1)
        if kind == "set":
            return self("SMEMBERS", key)
        if kind == "zset":
            return self("ZRANGE", key, 0, -1, "WITHSCORES")
        if kind == "stream":
            out = []
            for entry_id, fields in self.stream(key):
                out.append(entry_id)
                for name, value in fields.items():
                    out.extend((name, value))
            return out
        return []
