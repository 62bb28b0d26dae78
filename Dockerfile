FROM python:3.11-slim
# Production settings throughout the image: without SECRET_KEY nothing starts (see docker-compose.yml).
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=0
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# With DEBUG off, static files are stored under hashed names with a manifest that every page's
# {% static %} reads: build them the same way, or every page is a 500. collectstatic signs nothing,
# so a placeholder key does; the real one comes from the environment at run time.
RUN SECRET_KEY=collectstatic-signs-nothing python manage.py collectstatic --noinput
RUN useradd --system --no-create-home factbase && mkdir -p media && chown factbase media
USER factbase
EXPOSE 8000
# gunicorn as factbase/gunicorn.conf.py sets it up (workers, threads, timeout; WEB_CONCURRENCY and GUNICORN_THREADS
# override); the cache table holds what every worker shares (CACHE_URL=db: download counts, cached public pages).
ENV GUNICORN_ACCESS_LOG=-
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py createcachetable && python manage.py seed && exec gunicorn -c factbase/gunicorn.conf.py factbase.wsgi"]
