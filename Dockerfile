FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 STATIC_ROOT=/app/staticfiles
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install -e .
COPY . .
# Static files are collected into the image, so every web replica serves the same set.
RUN STATIC_MANIFEST=true python manage.py collectstatic --noinput -v 0 \
    && useradd --system --home /app switching && mkdir -p /var/lib/switching-sm \
    && chown switching /var/lib/switching-sm
USER switching
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "switching_sm.wsgi:application"]
