"""The two source exports and their exact headers (the misspelt ``tituloPincipal`` is real)."""

from dataclasses import dataclass

MOVIES_HEADER: tuple[str, ...] = (
    "id",
    "tituloPincipal",
    "tituloOriginal",
    "anoLancamento",
    "tempoMinutos",
    "genero",
    "notaMedia",
    "numeroVotos",
    "generoArtista",
    "personagem",
    "nomeArtista",
    "anoNascimento",
    "anoFalecimento",
    "profissao",
    "titulosMaisConhecidos",
)
SERIES_HEADER: tuple[str, ...] = (*MOVIES_HEADER[:4], "anoTermino", *MOVIES_HEADER[4:])


@dataclass(frozen=True)
class Source:
    """One landing file and the raw tables it feeds."""

    name: str
    file_name: str
    header: tuple[str, ...]

    @property
    def table(self) -> str:
        return f"raw_{self.name}"

    @property
    def rejects_table(self) -> str:
        return f"raw_{self.name}_rejects"


MOVIES = Source("movies", "movies.csv", MOVIES_HEADER)
SERIES = Source("series", "series.csv", SERIES_HEADER)
SOURCES = (MOVIES, SERIES)
