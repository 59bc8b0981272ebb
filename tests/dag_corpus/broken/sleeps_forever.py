"""Broken: never finishes importing (airflow dag)."""
import time

while True:
    time.sleep(1)
