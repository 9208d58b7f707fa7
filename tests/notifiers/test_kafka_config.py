"""Parsing Kafka connection strings, and keeping their passwords out of every message."""

import json

import pytest

from gridcollect.errors import ConfigurationError
from gridcollect.notifiers.kafka import KafkaConfig, parse_connection_string
from gridcollect.secrets import mask_url

SECRET = "pa$$-w0rd-XYZ"
DEFAULT = "gridcollect.objects"


def parse(value, environ=None):
    return parse_connection_string(value, default_topic=DEFAULT, environ=environ or {})


def test_plain_host_port_is_plaintext_on_the_default_topic():
    """host:port alone: no SASL, PLAINTEXT, default topic."""
    config = parse("broker:9092")
    assert config == KafkaConfig(bootstrap_servers=("broker:9092",), topic=DEFAULT)
    assert config.producer_config()["security.protocol"] == "plaintext"
    assert "sasl.username" not in config.producer_config()


def test_short_form_with_credentials_defaults_to_sasl_ssl_plain():
    """user:password@host:port (the legacy form) gets SASL_SSL with PLAIN."""
    config = parse(f"alice:{SECRET}@broker:9092")
    assert (config.username, config.password) == ("alice", SECRET)
    assert (config.security_protocol, config.sasl_mechanism) == ("SASL_SSL", "PLAIN")
    producer = config.producer_config()
    assert producer["sasl.username"] == "alice"
    assert producer["sasl.password"] == SECRET
    assert producer["sasl.mechanism"] == "PLAIN"
    assert producer["security.protocol"] == "sasl_ssl"


def test_url_form_with_several_hosts_topic_and_options():
    """kafka:// with hosts, topic and options sets each of them."""
    config = parse(
        f"kafka://bob:{SECRET}@k1:9092,k2:9093,[::1]:9094/market.events"
        "?security_protocol=sasl_plaintext&sasl_mechanism=SCRAM-SHA-512"
    )
    assert config.bootstrap_servers == ("k1:9092", "k2:9093", "[::1]:9094")
    assert config.topic == "market.events"
    assert config.security_protocol == "SASL_PLAINTEXT"
    assert config.sasl_mechanism == "SCRAM-SHA-512"
    assert config.producer_config()["bootstrap.servers"] == "k1:9092,k2:9093,[::1]:9094"


def test_producer_config_is_idempotent_and_waits_for_all_replicas():
    """The producer settings ask for idempotence, acks=all and a delivery timeout."""
    producer = parse("broker:9092").producer_config()
    assert producer["enable.idempotence"] is True
    assert producer["acks"] == "all"
    assert producer["message.timeout.ms"] > 0


def test_percent_encoded_credentials_are_decoded():
    """Reserved characters in credentials may be percent-encoded."""
    config = parse("kafka://us%40er:p%40ss%3Aword@broker:9092/t")
    assert (config.username, config.password) == ("us@er", "p@ss:word")


def test_raw_at_and_slash_in_a_password_still_parse_as_the_password():
    """The user info ends at the last '@', so an unencoded '@' or '/' stays in the password."""
    config = parse("kafka://alice:p@ss/w?rd@broker:9092/topic")
    assert config.password == "p@ss/w?rd"
    assert config.bootstrap_servers == ("broker:9092",)
    assert config.topic == "topic"


def test_credentials_from_a_sasl_file(tmp_path):
    """X_sasl_file names a JSON file with username/password."""
    path = tmp_path / "sasl.json"
    path.write_text(json.dumps({"username": "filer", "password": SECRET}))
    config = parse(f"kafka://broker:9092/t?X_sasl_file={path}")
    assert (config.username, config.password) == ("filer", SECRET)
    assert config.security_protocol == "SASL_SSL"


def test_sasl_file_may_use_dotted_librdkafka_keys(tmp_path):
    """sasl.username/sasl.password in the file work as well."""
    path = tmp_path / "sasl.json"
    path.write_text(json.dumps({"sasl.username": "dot", "sasl.password": SECRET}))
    config = parse(f"broker:9092?X_sasl_file={path}&security_protocol=SASL_PLAINTEXT")
    assert (config.username, config.password) == ("dot", SECRET)


def test_credentials_from_the_environment():
    """SASL_USERNAME/SASL_PASSWORD fill in what the string does not say."""
    config = parse("broker:9092", {"SASL_USERNAME": "env", "SASL_PASSWORD": SECRET})
    assert (config.username, config.password) == ("env", SECRET)


def test_string_credentials_win_over_file_and_environment(tmp_path):
    """The string comes first, then the file, then the environment, field by field."""
    path = tmp_path / "sasl.json"
    path.write_text(json.dumps({"password": "from-file"}))
    environ = {"SASL_USERNAME": "env-user", "SASL_PASSWORD": "env-pw"}
    assert parse(f"kafka://alice:{SECRET}@b:1/t?X_sasl_file={path}", environ).password == SECRET
    config = parse(f"kafka://alice@b:1/t?X_sasl_file={path}", environ)
    assert (config.username, config.password) == ("alice", "from-file")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "no host:port"),
        ("kafka:///topic", "no host:port"),
        ("broker", "not host:port"),
        ("broker:notaport", "not host:port"),
        ("broker:70000", "not host:port"),
        ("http://broker:9092", "scheme must be kafka://"),
        ("broker:9092/bad topic!", "topic"),
        ("broker:9092?colour=blue", "unknown option 'colour'"),
        ("broker:9092?security_protocol=SASL_SSL", "needs credentials"),
        ("broker:9092?security_protocol=TLS", "security_protocol must be one of"),
        (f"a:{SECRET}@broker:9092?security_protocol=PLAINTEXT", "does not use SASL"),
        (f"a:{SECRET}@broker:9092?sasl_mechanism=GSSAPI", "sasl_mechanism must be one of"),
        ("a@broker:9092", "both a username and a password"),
        ("broker:9092?X_sasl_file=/nonexistent/sasl.json", "cannot read X_sasl_file"),
    ],
)
def test_malformed_strings_are_configuration_errors(value, problem):
    """Each kind of mistake is named in the error."""
    with pytest.raises(ConfigurationError, match="bad Kafka connection string") as caught:
        parse(value)
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    "value",
    [
        f"kafka://alice:{SECRET}@broker/topic",
        f"alice:{SECRET}@broker:notaport",
        f"kafka://alice:{SECRET}@broker:9092/topic?nope=1",
        f"alice:{SECRET}@:9092",
        f"kafka://alice:{SECRET}@broker:9092,other",
        f"alice:{SECRET}@broker:9092/bad topic",
        f"ftp://alice:{SECRET}@broker:9092",
        f"alice:{SECRET}@broker:9092?security_protocol=PLAINTEXT",
    ],
)
def test_errors_show_the_string_masked_never_the_password(value):
    """A malformed string is echoed with its password replaced by ***."""
    with pytest.raises(ConfigurationError) as caught:
        parse(value)
    message = str(caught.value)
    assert SECRET not in message
    assert "alice:***@" in message


def test_sasl_file_contents_never_appear_in_errors(tmp_path):
    """A broken SASL file is named, its contents are not shown."""
    path = tmp_path / "sasl.json"
    path.write_text('{"username": "u", "password": "' + SECRET + '"')  # truncated JSON
    with pytest.raises(ConfigurationError) as caught:
        parse(f"broker:9092?X_sasl_file={path}")
    assert str(path) in str(caught.value)
    assert SECRET not in str(caught.value)


def test_repr_str_and_masked_hide_the_password():
    """The config object never shows the password, however it is printed."""
    config = parse(f"kafka://alice:{SECRET}@broker:9092/topic")
    for text in (repr(config), str(config), config.masked(), f"{config}", repr([config])):
        assert SECRET not in text
    assert config.masked() == (
        "kafka://alice:***@broker:9092/topic?security_protocol=SASL_SSL&sasl_mechanism=PLAIN"
    )


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("redis://user:pw@host:6379/0", "redis://user:***@host:6379/0"),
        ("redis://:pw@host:6379", "redis://:***@host:6379"),
        ("redis://host:6379/0", "redis://host:6379/0"),
        ("redis://user@host:6379", "redis://user@host:6379"),
        ("user:pw@h1:9092,h2:9092", "user:***@h1:9092,h2:9092"),
        ("kafka://u:p/w@d@host:9092/t", "kafka://u:***@host:9092/t"),
        ("redis://host:6379/0?password=pw&db=1", "redis://host:6379/0?password=***&db=1"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
    ],
)
def test_mask_url_hides_passwords_in_any_url(url, masked):
    """mask_url replaces user-info passwords and secret query values with ***."""
    assert mask_url(url) == masked
