"""In Chromium: an emoji a client sends shows in colour in the thread, not as a grey outline or a
box (CI installs a colour emoji font, fonts-noto-color-emoji, with Chromium: see .ci/run)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hona.models import User
from messaging.models import Thread
from tests.conftest import receive
from tests.test_browser_workspace import open_thread, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Reads a PNG's pixels in a blank page (no Content-Security-Policy there to refuse a data: image)
# and returns the most yellow one: the grinning face is yellow; a monochrome glyph is not.
MOST_YELLOW_PIXEL = """
async (png) => {
  const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0);
  const data = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
  let best = [0, 0, 0], bestScore = -1;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
    const score = Math.min(r, g) - b;
    if (score > bestScore) { bestScore = score; best = [r, g, b]; }
  }
  return best;
}
"""


def test_an_emoji_in_a_message_renders_in_colour(
    page: Page, live_server: Any, owner: User, thread: Thread
) -> None:
    receive(thread, body="\U0001f600")
    sign_in(page, live_server, "owner")
    open_thread(page, live_server, thread)
    body = page.locator(".message-body", has_text="\U0001f600")
    expect(body).to_be_visible()
    body.evaluate(
        "element => { element.style.fontSize = '96px'; element.style.lineHeight = '1.2'; }"
    )

    shot = base64.b64encode(body.screenshot()).decode()

    blank = page.context.new_page()
    red, green, blue = blank.evaluate(MOST_YELLOW_PIXEL, shot)
    assert red > 180 and green > 140 and blue < 110, (
        f"the emoji has no colour (its most yellow pixel is rgb({red}, {green}, {blue})): "
        "is a colour emoji font (fonts-noto-color-emoji) installed?"
    )
