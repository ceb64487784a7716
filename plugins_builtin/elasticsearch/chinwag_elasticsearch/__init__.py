"""chinwag-elasticsearch: an analytics sink that indexes Chinwag's analytics events (feedback
ratings and CSAT answers included) into Elasticsearch 7-9 or OpenSearch over the plain REST API,
and ships Kibana / OpenSearch Dashboards saved objects (docs/elasticsearch.md)."""
