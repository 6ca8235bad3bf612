# One image for the service and its tests. Dependencies before source for the layer cache.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
RUN mkdir -p csms simulators && touch csms/__init__.py simulators/__init__.py \
    && pip install --no-cache-dir ".[test]" && pip uninstall -y csms
COPY . .
RUN pip install --no-cache-dir --no-deps -e . && mkdir -p /var/lib/csms
ENV CSMS_HOST=0.0.0.0 CSMS_API_HOST=0.0.0.0 CSMS_DATA_DIR=/var/lib/csms CSMS_LOG_FORMAT=json
EXPOSE 9000 8080
STOPSIGNAL SIGTERM
CMD ["csms", "serve"]
