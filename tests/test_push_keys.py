"""The instance's VAPID key is made once, whole, however many workers start at the same time."""
import threading

from tend.push.keys import _generated_key, _public_key_of


def test_workers_starting_together_all_read_the_one_complete_key(tmp_path):
    for attempt in range(10):
        path = tmp_path / str(attempt) / "vapid_private_key.pem"
        keys, errors = [], []

        def start():
            try:
                keys.append(_public_key_of(_generated_key(path)))
            except Exception as error:  # a half-written file fails to parse
                errors.append(error)

        threads = [threading.Thread(target=start) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(keys) == 8 and len(set(keys)) == 1
        assert [p.name for p in path.parent.iterdir()] == [path.name]  # no drafts left
        assert path.stat().st_mode & 0o777 == 0o600
