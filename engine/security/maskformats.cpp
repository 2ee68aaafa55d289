#include "engine/security/maskformats.h"

#include <algorithm>
#include <vector>

namespace syncline::engine::security {

namespace {

const std::string kHidden = "***";

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool isAlnum(char c)
{
    return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int countOf(std::string_view text, bool (*matches)(char))
{
    return int(std::count_if(text.begin(), text.end(), matches));
}

// The first character of `text` (a whole UTF-8 sequence).
std::string_view firstCharacter(std::string_view text)
{
    std::size_t end = text.empty() ? 0 : 1;
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
        ++end;
    }
    return text.substr(0, end);
}

// Every character `matches` accepts becomes '*' except the last `keep` of them; others stay.
std::string keepLast(std::string_view text, bool (*matches)(char), int keep)
{
    int toHide = std::max(0, countOf(text, matches) - keep);
    std::string result(text);
    for (char &c : result) {
        if (toHide > 0 && matches(c)) {
            c = '*';
            --toHide;
        }
    }
    return result;
}

// Like keepLast, but short values keep less: never more than a third of what is there.
std::string keepSome(std::string_view text, bool (*matches)(char), int keep)
{
    const int total = countOf(text, matches);
    if (total == 0) {
        return kHidden;
    }
    return keepLast(text, matches, std::min(keep, total / 3));
}

std::string maskName(std::string_view text)
{
    std::string result;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t start = text.find_first_not_of(' ', at);
        if (start == std::string_view::npos) {
            break;
        }
        const std::size_t end = std::min(text.find(' ', start), text.size());
        if (!result.empty()) {
            result += ' ';
        }
        result += firstCharacter(text.substr(start));
        result += kHidden;
        at = end;
    }
    return result.empty() ? kHidden : result;
}

std::string maskEmail(std::string_view text)
{
    const std::size_t at = text.rfind('@');
    if (at == std::string_view::npos) {
        return kHidden;
    }
    const std::string_view domain = text.substr(at + 1);
    const std::size_t dot = domain.rfind('.');
    std::string result = std::string(firstCharacter(text)) + kHidden + '@';
    if (dot == std::string_view::npos || dot == 0) {
        return result + kHidden;
    }
    return result + std::string(firstCharacter(domain)) + kHidden + std::string(domain.substr(dot));
}

bool emailLocalChar(char c)
{
    return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

bool emailDomainChar(char c)
{
    return isAlnum(c) || c == '.' || c == '-';
}

// One group of digits inside a run: where it starts and ends in the text.
struct DigitGroup
{
    std::size_t begin = 0;
    std::size_t end = 0;
};

// The groups of a run of digits separated by single spaces or dashes, starting at `from`.
std::vector<DigitGroup> digitRun(const std::string &text, std::size_t from)
{
    std::vector<DigitGroup> groups;
    std::size_t at = from;
    while (at < text.size() && isDigit(text[at])) {
        DigitGroup group{at, at};
        while (group.end < text.size() && isDigit(text[group.end])) {
            ++group.end;
        }
        groups.push_back(group);
        at = group.end;
        const bool separated =
            at + 1 < text.size() && (text[at] == ' ' || text[at] == '-') && isDigit(text[at + 1]);
        if (!separated) {
            break;
        }
        ++at;
    }
    return groups;
}

std::string digitsOf(const std::string &text,
                     const std::vector<DigitGroup> &groups,
                     std::size_t first,
                     std::size_t last)
{
    std::string digits;
    for (std::size_t g = first; g <= last; ++g) {
        digits.append(text, groups[g].begin, groups[g].end - groups[g].begin);
    }
    return digits;
}

bool looksLikeCard(const std::string &digits)
{
    return digits.size() >= 13 && digits.size() <= 19 && digits.front() >= '2' &&
           digits.front() <= '6' && luhnValid(digits);
}

// Cuts the card numbers among consecutive groups of one run; returns whether any was found.
bool cutCardsInRun(std::string &text, const std::vector<DigitGroup> &groups)
{
    bool changed = false;
    for (std::size_t first = 0; first < groups.size(); ++first) {
        for (std::size_t last = first; last < groups.size(); ++last) {
            const std::string digits = digitsOf(text, groups, first, last);
            if (digits.size() > 19) {
                break;
            }
            if (!looksLikeCard(digits)) {
                continue;
            }
            int toHide = int(digits.size()) - 4;
            for (std::size_t g = first; g <= last && toHide > 0; ++g) {
                for (std::size_t i = groups[g].begin; i < groups[g].end && toHide > 0; ++i) {
                    text[i] = '*';
                    --toHide;
                }
            }
            changed = true;
            first = last;
            break;
        }
    }
    return changed;
}

} // namespace

bool luhnValid(std::string_view digits)
{
    int sum = 0;
    bool twice = false;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        if (!isDigit(*it)) {
            return false;
        }
        int d = *it - '0';
        if (twice) {
            d *= 2;
            if (d > 9) {
                d -= 9;
            }
        }
        sum += d;
        twice = !twice;
    }
    return !digits.empty() && sum % 10 == 0;
}

std::string lastFourOnly(std::string_view text)
{
    return keepLast(text, isDigit, 4);
}

std::string maskAs(PiiClass cls, std::string_view text)
{
    if (text.empty()) {
        return {};
    }
    switch (cls) {
    case PiiClass::Name:
        return maskName(text);
    case PiiClass::Email:
        return maskEmail(text);
    case PiiClass::Phone:
        return keepSome(text, isDigit, 2);
    case PiiClass::TaxId:
    case PiiClass::GovernmentId:
        return keepSome(text, isAlnum, 2);
    case PiiClass::BankAccount:
        return keepSome(text, isAlnum, 4);
    case PiiClass::CardNumber:
        return keepSome(text, isDigit, 4);
    case PiiClass::Address:
    case PiiClass::BirthDate:
    case PiiClass::IpAddress:
    case PiiClass::FreeText:
        return kHidden;
    }
    return kHidden;
}

bool looksLike(PiiClass cls, std::string_view text)
{
    switch (cls) {
    case PiiClass::Email:
        return text.find('@') != std::string_view::npos;
    case PiiClass::Phone:
        return countOf(text, isDigit) >= 5;
    case PiiClass::TaxId:
    case PiiClass::CardNumber:
    case PiiClass::BankAccount:
    case PiiClass::GovernmentId:
    case PiiClass::BirthDate:
        return countOf(text, isDigit) >= 4;
    case PiiClass::IpAddress:
        return countOf(text, isDigit) >= 1 && (text.find('.') != std::string_view::npos ||
                                               text.find(':') != std::string_view::npos);
    case PiiClass::Name:
    case PiiClass::Address:
    case PiiClass::FreeText:
        return !text.empty();
    }
    return true;
}

bool cutCardNumbers(std::string &text)
{
    bool changed = false;
    std::size_t at = 0;
    while (at < text.size()) {
        if (!isDigit(text[at])) {
            ++at;
            continue;
        }
        const std::vector<DigitGroup> groups = digitRun(text, at);
        changed = cutCardsInRun(text, groups) || changed;
        at = groups.back().end;
    }
    return changed;
}

bool maskEmails(std::string &text)
{
    bool changed = false;
    std::size_t from = 0;
    while (true) {
        const std::size_t at = text.find('@', from);
        if (at == std::string::npos) {
            return changed;
        }
        std::size_t begin = at;
        while (begin > 0 && emailLocalChar(text[begin - 1])) {
            --begin;
        }
        std::size_t end = at + 1;
        while (end < text.size() && emailDomainChar(text[end])) {
            ++end;
        }
        while (end > at + 1 && (text[end - 1] == '.' || text[end - 1] == '-')) {
            --end; // the full stop of a sentence is not part of the domain
        }
        const std::string_view domain = std::string_view(text).substr(at + 1, end - at - 1);
        const std::size_t dot = domain.rfind('.');
        const bool address =
            begin < at && dot != std::string_view::npos && dot > 0 && domain.size() - dot > 2;
        if (!address) {
            from = at + 1;
            continue;
        }
        const std::string masked = maskEmail(std::string_view(text).substr(begin, end - begin));
        text.replace(begin, end - begin, masked);
        from = begin + masked.size();
        changed = true;
    }
}

} // namespace syncline::engine::security
