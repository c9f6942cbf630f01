"""Retrain the models (corpus + optional user labels) and write their model cards.

    from flows.training import train_models
    train_models(sentiment_data="my_labels.csv", taxonomy="my_taxonomy.yaml")

Each model is a task, so a failure in one is visible in Prefect without hiding the other;
the run leaves a markdown artifact with the held-out metrics of both cards.
"""

from __future__ import annotations

from pathlib import Path

from vocpipe.prefect_env import apply_prefect_defaults

apply_prefect_defaults()

from prefect import flow, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402

from vocpipe.config import load_settings  # noqa: E402


@task(name="train-sentiment")
def train_sentiment_model(models_dir: str, data: str | None, replace: bool) -> dict:
    from vocpipe.train import train_sentiment

    return train_sentiment(Path(models_dir), Path(data) if data else None, replace)


@task(name="train-topics")
def train_topic_model(models_dir: str, taxonomy: str, data: str | None, replace: bool) -> dict:
    from vocpipe.classify.taxonomy import load_taxonomy
    from vocpipe.train import train_topics

    return train_topics(Path(models_dir), load_taxonomy(taxonomy), Path(data) if data else None, replace)


@flow(name="train-models", log_prints=False)
def train_models(models_dir: str | None = None, sentiment_data: str | None = None, topic_data: str | None = None,
                 taxonomy: str | None = None, replace: bool = False) -> dict:
    """Train sentiment and topics; returns both model cards."""
    settings = load_settings(models_dir=models_dir, taxonomy_path=taxonomy)
    sentiment = train_sentiment_model(str(settings.models_dir), sentiment_data, replace)
    topics = train_topic_model(str(settings.models_dir), str(settings.taxonomy_path), topic_data, replace)
    create_markdown_artifact(
        key="model-training",
        markdown="\n".join([
            "# Model training",
            "",
            f"- sentiment {sentiment['version']}: test macro-F1 {sentiment['metrics']['test']['macro_f1']}, "
            f"request F1 {sentiment['metrics']['test']['request_f1']} (n={sentiment['metrics']['test']['n']})",
            f"- topics {topics['version']}: test micro-F1 {topics['metrics']['test']['micro_f1']} "
            f"(keywords only {topics['keyword_baseline_test']['micro_f1']})",
        ]),
    )
    return {"sentiment": sentiment, "topics": topics}
