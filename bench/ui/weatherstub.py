#!/usr/bin/env python3
"""A tiny stand-in for Open-Meteo's geocoding and forecast APIs, so `./dev screenshot` (and the UI
benchmark) show a real get_weather call without network access. Writes its port to argv[1]."""
import json
import sys
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PLACES = {
    "paris": ("Paris", "FR", "France", "Île-de-France", 48.8534, 2.3488),
    "tokyo": ("Tokyo", "JP", "Japan", "Tokyo", 35.6895, 139.6917),
    "new york": ("New York", "US", "United States", "New York", 40.7143, -74.006),
    "london": ("London", "GB", "United Kingdom", "England", 51.5085, -0.1257),
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path.endswith("/search"):
            name = query.get("name", [""])[0].lower()
            place = PLACES.get(name)
            results = []
            if place:
                results.append(dict(zip(("name", "country_code", "country", "admin1", "latitude", "longitude"), place)))
            return self.reply({"results": results})
        if url.path.endswith("/forecast"):
            seed = zlib.crc32(query.get("latitude", ["0"])[0].encode()) % 10
            return self.reply({
                "current": {"temperature_2m": 14.0 + seed, "apparent_temperature": 13.0 + seed,
                            "relative_humidity_2m": 55 + seed, "pressure_msl": 1015.2,
                            "wind_speed_10m": 9.5, "wind_direction_10m": 240, "weather_code": seed % 4},
                "daily": {"temperature_2m_min": [9.0 + seed], "temperature_2m_max": [19.0 + seed]},
            })
        self.send_response(404)
        self.end_headers()


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
