"""What chinwag-elasticsearch declares about itself: off by default (it sends data to a server
the operator names), its connection settings (secrets masked) and its own migration."""

from __future__ import annotations

from chinwag_plugin_api import PluginInfo, StrictSchema, secret_field
from marshmallow import fields, validate

#: the periods an index name can cover: ``chinwag-events-2026.12`` or ``chinwag-events-2026.12.02``
PERIODS = ("month", "day")


class ElasticsearchSettings(StrictSchema):
    """What admins set in the plugin's settings form (Plugins, Elasticsearch)."""

    url = fields.String(
        load_default="http://127.0.0.1:9200",
        validate=[
            validate.URL(schemes={"http", "https"}, require_tld=False),
            validate.Length(max=500),
        ],
        metadata={
            "description": "Base URL of the Elasticsearch (7, 8, 9) or OpenSearch cluster, "
            "e.g. https://search.example.com:9200 (a path prefix of a proxy is kept)."
        },
    )
    index_prefix = fields.String(
        load_default="chinwag",
        validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,39}$"),
        metadata={
            "description": "Indices are named <prefix>-events-<period>; lower-case letters, "
            "digits, - and _."
        },
    )
    index_period = fields.String(
        load_default="month",
        validate=validate.OneOf(PERIODS),
        metadata={"description": "One index per month (2026.12) or per day (2026.12.02)."},
    )
    username = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "Basic authentication user (leave empty for an API key)."},
    )
    password = secret_field(
        env="CHINWAG_ELASTICSEARCH_PASSWORD",
        load_default="",
        metadata={"description": "Basic authentication password."},
    )
    api_key = secret_field(
        env="CHINWAG_ELASTICSEARCH_API_KEY",
        load_default="",
        metadata={
            "description": "An API key (the base64 'encoded' value), sent as "
            "'Authorization: ApiKey ...'; used instead of the user and password when set."
        },
    )
    verify_tls = fields.Boolean(
        load_default=True,
        metadata={"description": "Check the server's TLS certificate (https URLs)."},
    )
    ca_certs = fields.String(
        load_default="",
        validate=validate.Length(max=500),
        metadata={"description": "Path of a CA bundle that signs the server's certificate."},
    )
    timeout_seconds = fields.Float(
        load_default=10.0,
        validate=validate.Range(min=0.5, max=120),
        metadata={"description": "Timeout of one request to the cluster."},
    )


INFO = PluginInfo(
    display_name="Elasticsearch / OpenSearch",
    settings_schema=ElasticsearchSettings,
    enabled_by_default=False,
    migrations="chinwag_elasticsearch.migrations",
)
