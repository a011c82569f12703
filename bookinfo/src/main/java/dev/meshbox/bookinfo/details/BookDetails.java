package dev.meshbox.bookinfo.details;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** The details service's answer for one product. */
@JsonPropertyOrder({"id", "author", "year", "type", "pages", "publisher", "language", "ISBN-10", "ISBN-13"})
public record BookDetails(
        long id,
        String author,
        int year,
        String type,
        int pages,
        String publisher,
        String language,
        @JsonProperty("ISBN-10") String isbn10,
        @JsonProperty("ISBN-13") String isbn13) {

    /** Bookinfo has one book; details answers with it for any numeric id, echoing the id. */
    public static BookDetails comedyOfErrors(long id) {
        return new BookDetails(
                id,
                "William Shakespeare",
                1595,
                "paperback",
                200,
                "PublisherA",
                "English",
                "1234567890",
                "123-1234567890");
    }
}
