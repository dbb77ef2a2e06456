FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install -e .
COPY . .
RUN useradd --system --home /app switching && mkdir -p /var/lib/switching-sm \
    && chown switching /var/lib/switching-sm
USER switching
EXPOSE 8000
