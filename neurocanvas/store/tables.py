"""Peewee tables. Every row that belongs to a person carries `user`; the repository filters on it."""
from __future__ import annotations

import datetime as dt

import peewee as pw

from neurocanvas.store.db import database


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(pw.Model):
    class Meta:
        database = database


class SchemaVersion(Base):
    version = pw.IntegerField(primary_key=True)
    applied_at = pw.DateTimeField(default=now)


class User(Base):
    name = pw.CharField(unique=True, max_length=128)
    settings = pw.TextField(default="{}")  # JSON: algorithm, epsilon, default models...
    created_at = pw.DateTimeField(default=now)


class Prompt(Base):
    user = pw.ForeignKeyField(User, backref="prompts", on_delete="CASCADE")
    text = pw.TextField()
    analysis = pw.TextField(default="{}")  # JSON from the prompt lab
    favourite = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=now, index=True)


GENERATION_STATUSES = ("queued", "running", "done", "failed", "cancelled", "interrupted")


class Generation(Base):
    user = pw.ForeignKeyField(User, backref="generations", on_delete="CASCADE")
    kind = pw.CharField(max_length=32)  # text_to_image, style_transfer, compare...
    prompt = pw.TextField(default="")
    negative_prompt = pw.TextField(default="")
    params = pw.TextField(default="{}")  # JSON
    request_key = pw.CharField(max_length=64, default="", index=True)  # hash of (model, params, seed) for repeats
    model_ids = pw.TextField(default="[]")  # JSON list
    status = pw.CharField(max_length=16, default="queued", index=True,
                          constraints=[pw.Check("status in ('queued','running','done','failed','cancelled','interrupted')")])
    error = pw.TextField(default="")
    timings = pw.TextField(default="{}")  # JSON: seconds per phase
    created_at = pw.DateTimeField(default=now, index=True)
    finished_at = pw.DateTimeField(null=True)
    # the job service's lifecycle (services/jobs.py)
    task_id = pw.CharField(max_length=64, default="")  # the task engine's id of the current attempt
    attempt = pw.IntegerField(default=0)  # 1 on submit; 2 after a worker died and it was retried
    priority = pw.IntegerField(default=0)  # higher runs first: drafts and single images before batches
    estimate_s = pw.FloatField(default=0.0)  # seconds it should take once it runs (for positions and ETAs)
    started_at = pw.DateTimeField(null=True)
    history = pw.TextField(default="[]")  # JSON: [{"at", "event", ...}] submitted, running, retried, ...


class Image(Base):
    user = pw.ForeignKeyField(User, backref="images", on_delete="CASCADE")
    generation = pw.ForeignKeyField(Generation, backref="images", null=True, on_delete="SET NULL")
    path = pw.CharField(max_length=512)  # relative to the images folder
    model_id = pw.CharField(max_length=128, default="")
    seed = pw.BigIntegerField(null=True)
    width = pw.IntegerField()
    height = pw.IntegerField()
    clip_score = pw.FloatField(null=True)
    sha256 = pw.CharField(max_length=64, index=True)
    favourite = pw.BooleanField(default=False)
    deleted_at = pw.DateTimeField(null=True)  # soft delete: undo restores it
    share_key = pw.CharField(max_length=32, null=True)  # set while shared: links sign it; stop sharing clears it
    created_at = pw.DateTimeField(default=now, index=True)
    parent = pw.ForeignKeyField("self", null=True, backref="children", on_delete="SET NULL")  # edits, image to image
    edits = pw.TextField(default="[]")  # JSON: the edit steps that made it from its parent (engines/image_edit.py)


FEEDBACK_KINDS = ("rating", "like", "favourite", "share", "download", "vote", "skip")


class Feedback(Base):
    user = pw.ForeignKeyField(User, backref="feedback", on_delete="CASCADE")
    image = pw.ForeignKeyField(Image, backref="feedback", null=True, on_delete="CASCADE")
    kind = pw.CharField(max_length=16)
    value = pw.FloatField(default=0.0)
    reward = pw.FloatField(default=0.0)
    created_at = pw.DateTimeField(default=now, index=True)


class Conversation(Base):
    user = pw.ForeignKeyField(User, backref="conversations", on_delete="CASCADE")
    title = pw.CharField(max_length=200, default="New conversation")
    model_id = pw.CharField(max_length=128, default="")
    final_prompt = pw.TextField(default="")
    created_at = pw.DateTimeField(default=now)
    updated_at = pw.DateTimeField(default=now, index=True)


class Message(Base):
    conversation = pw.ForeignKeyField(Conversation, backref="messages", on_delete="CASCADE")
    role = pw.CharField(max_length=16)
    content = pw.TextField()
    meta = pw.TextField(default="{}")  # JSON: tokens/s, action...
    created_at = pw.DateTimeField(default=now)


class ArmStat(Base):
    """Bandit state per user, algorithm, arm family and arm."""
    user = pw.ForeignKeyField(User, backref="arms", on_delete="CASCADE")
    algorithm = pw.CharField(max_length=32)
    family = pw.CharField(max_length=32)  # model, style, mood, palette
    arm = pw.CharField(max_length=128)
    pulls = pw.IntegerField(default=0)
    reward_sum = pw.FloatField(default=0.0)
    alpha = pw.FloatField(default=1.0)
    beta = pw.FloatField(default=1.0)
    updated_at = pw.DateTimeField(default=now)

    class Meta:
        indexes = ((("user", "algorithm", "family", "arm"), True),)


class Rating(Base):
    """Elo-style rating of a model or style from votes; user NULL means overall."""
    user = pw.ForeignKeyField(User, backref="ratings", null=True, on_delete="CASCADE")
    family = pw.CharField(max_length=32)
    item = pw.CharField(max_length=128)
    rating = pw.FloatField(default=1000.0)
    games = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("user", "family", "item"), True),)


class Event(Base):
    user = pw.ForeignKeyField(User, backref="events", null=True, on_delete="CASCADE")
    name = pw.CharField(max_length=64, index=True)
    data = pw.TextField(default="{}")
    created_at = pw.DateTimeField(default=now, index=True)


FLAG_REASONS = ("explicit", "violent", "hateful", "copyright", "spam", "other")
FLAG_STATUSES = ("open", "dismissed", "unshared")


class Flag(Base):
    """A user's report on someone else's shared image, for the studio's owner to settle (dismiss or unshare)."""
    image = pw.ForeignKeyField(Image, backref="flags", on_delete="CASCADE")
    reporter = pw.ForeignKeyField(User, backref="flags", on_delete="CASCADE")
    reason = pw.CharField(max_length=16)
    note = pw.TextField(default="")
    status = pw.CharField(max_length=16, default="open", index=True)
    created_at = pw.DateTimeField(default=now)
    settled_at = pw.DateTimeField(null=True)
    settled_by = pw.CharField(max_length=128, default="")

    class Meta:
        indexes = ((("image", "reporter"), True),)  # one report per image and reporter


class DirectorVersion(Base):
    """A prompt version of an art-director conversation: rendered (its job, image and CLIP look) or merged."""
    conversation = pw.ForeignKeyField(Conversation, backref="versions", on_delete="CASCADE")
    prompt = pw.TextField()
    origin = pw.CharField(max_length=32)  # rendered, merged, from result
    seed = pw.BigIntegerField(null=True)
    model_id = pw.CharField(max_length=128, default="")
    generation = pw.ForeignKeyField(Generation, null=True, on_delete="SET NULL")
    image = pw.ForeignKeyField(Image, null=True, on_delete="SET NULL")
    look = pw.TextField(default="{}")  # JSON: prompt_score, terms [[category, term, score]], text
    created_at = pw.DateTimeField(default=now)


ALL_TABLES = [SchemaVersion, User, Prompt, Generation, Image, Feedback, Conversation, Message, ArmStat, Rating, Event,
              Flag, DirectorVersion]
