"""After "belum puas" the report is handled again: the old answer's buttons say so and go away.

Issue 10: "After 'Belum puas', the old answer's rating buttons answer 'Laporan ini sudah dinilai
atau sudah ditutup' although the report was reopened and is neither."
"""

from __future__ import annotations

from pathlib import Path

from loopback import LoopbackBotApi
from tests.citizen_after import answered, buttons_of, last_with, press, say
from tests.staff_kit import staff_world

REOPENED = (
    "Laporan ini sedang ditindaklanjuti lagi setelah Anda menyatakan belum puas. "
    "Anda dapat menilai jawaban berikutnya."
)


async def test_after_belum_puas_the_old_answers_rating_buttons_say_it_is_being_handled_again(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, type="informasi")
        await answered(w, report, "Jadwal buka: Senin sampai Jumat.")
        answer = last_with(w, w.siti.id, f"fb:rate:{report.id}:5")
        await press(w, w.siti, f"fb:rate:{report.id}:1", message=answer)
        offer = last_with(w, w.siti.id, f"fb:rateok:{report.id}:1")
        await press(w, w.siti, f"fb:dispute:{report.id}", message=offer)
        await say(w, w.siti, "Hari Sabtu juga tutup, padahal papan bilang buka.")
        assert (await w.report(report)).stage == "in_progress"

        for message, data in (
            (answer, f"fb:rate:{report.id}:5"),
            (offer, f"fb:rateok:{report.id}:1"),
        ):
            pressed = await press(w, w.siti, data, message=message)
            assert pressed["text"] == REOPENED
            shown = loopback.get_message(w.siti.id, message["message_id"])
            assert shown is not None
            assert buttons_of(shown) == [], "the old buttons are taken away"
        after = await w.report(report)
        assert (after.stage, after.rating) == ("in_progress", None)
