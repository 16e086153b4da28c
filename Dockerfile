# The csa command in a container: build with the .NET SDK, run on the ASP.NET runtime image.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/CaseStudyAssistant.Cli -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app /app
# The project's own case studies: ingested when the index is empty, or with `csa ingest`.
COPY corpus /app/corpus
ENV CSA_CORPUS__PATH=/app/corpus \
    CSA_INDEX__PATH=/data/index.db
VOLUME /data
ENTRYPOINT ["dotnet", "/app/csa.dll"]
CMD ["--help"]
