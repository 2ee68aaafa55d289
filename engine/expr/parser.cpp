// Pratt parser for JSONata, following the structure of jsonata-js's parser (same binding powers,
// same error codes), producing the raw tree that astprocess.cpp turns into the evaluated form.

#include "engine/expr/parser.h"

#include "engine/expr/astprocess.h"
#include "engine/expr/exprerror.h"
#include "engine/expr/lexer.h"
#include "engine/expr/regexholder.h"

#include <unordered_map>

namespace syncline::engine::expr {

namespace {

int bindingPower(std::string_view op)
{
    static const std::unordered_map<std::string_view, int> kPowers = {
        {".", 75},  {"[", 80},  {"{", 70},  {"(", 80},  {"@", 80},  {"#", 80},  {"?", 20},
        {"+", 50},  {"-", 50},  {"*", 60},  {"/", 60},  {"%", 60},  {"=", 40},  {"<", 40},
        {">", 40},  {"^", 40},  {":=", 10}, {"!=", 40}, {"<=", 40}, {">=", 40}, {"~>", 40},
        {"?:", 40}, {"??", 40}, {"and", 30}, {"or", 25}, {"in", 40}, {"&", 50}};
    const auto it = kPowers.find(op);
    return it == kPowers.end() ? 0 : it->second;
}

// Operators the parser knows as symbols at all (others are S0204 "Unknown operator").
bool isKnownOperator(std::string_view op)
{
    static const std::string_view kKnown[] = {
        ":", ";", ",", ")", "]", "}", "..", ".", "+", "-", "*", "/", "%", "=", "<", ">", "!=",
        "<=", ">=", "&", "and", "or", "in", "~>", "??", "**", "(", "[", "^", "{", ":=", "@", "#",
        "?", "?:", "|"};
    for (std::string_view k : kKnown) {
        if (k == op) {
            return true;
        }
    }
    return false;
}

class Parser
{
public:
    explicit Parser(std::string_view source)
        : m_source(source)
        , m_lexer(source)
    {}

    NodePtr parse()
    {
        advance();
        NodePtr expr = expression(0);
        if (m_token.type != TokenType::End) {
            throw ExprException("S0201", m_token.position).withToken(tokenValue());
        }
        return expr;
    }

private:
    // The current token's id as jsonata-js names its symbols.
    std::string id() const
    {
        switch (m_token.type) {
        case TokenType::End: return "(end)";
        case TokenType::Name:
        case TokenType::Variable: return "(name)";
        case TokenType::String:
        case TokenType::Number:
        case TokenType::Value: return "(literal)";
        case TokenType::Regex: return "(regex)";
        case TokenType::Operator: return m_token.text;
        }
        return {};
    }

    std::string tokenValue() const
    {
        if (m_token.type == TokenType::Number || m_token.type == TokenType::Value) {
            return json::toJsonText(m_token.value);
        }
        if (m_token.type == TokenType::End) {
            return "(end)";
        }
        return m_token.text;
    }

    int lbp() const
    {
        return m_token.type == TokenType::Operator ? bindingPower(m_token.text) : 0;
    }

    void advance(std::string_view expected = {}, bool infix = false)
    {
        if (!expected.empty() && id() != expected) {
            ExprException e(m_token.type == TokenType::End ? "S0203" : "S0202",
                            m_token.position);
            e.withToken(tokenValue());
            e.value = json::Value::string(expected);
            throw e;
        }
        Token next = m_lexer.next(infix);
        if (next.type == TokenType::End) {
            next.position = static_cast<int>(m_source.size());
        }
        if (next.type == TokenType::Operator && !isKnownOperator(next.text)) {
            throw ExprException("S0204", next.position).withToken(next.text);
        }
        m_token = std::move(next);
    }

    NodePtr expression(int rbp)
    {
        Token t = m_token;
        advance({}, true);
        NodePtr left = nud(t);
        while (rbp < lbp()) {
            t = m_token;
            advance();
            left = led(t, std::move(left));
        }
        return left;
    }

    NodePtr nud(const Token &t);
    NodePtr led(const Token &t, NodePtr left);
    NodePtr parseObject(const Token &t, NodePtr left);
    NodePtr parseCall(const Token &t, NodePtr left);

    std::string_view m_source;
    Lexer m_lexer;
    Token m_token;
};

NodePtr Parser::nud(const Token &t)
{
    switch (t.type) {
    case TokenType::Name: {
        auto n = std::make_unique<Node>(NodeKind::Name, t.position);
        n->text = t.text;
        return n;
    }
    case TokenType::Variable: {
        auto n = std::make_unique<Node>(NodeKind::Variable, t.position);
        n->text = t.text;
        return n;
    }
    case TokenType::String: {
        auto n = std::make_unique<Node>(NodeKind::Literal, t.position);
        n->literal = json::Value::string(t.text);
        n->literalType = 's';
        n->text = t.text;
        return n;
    }
    case TokenType::Number:
    case TokenType::Value: {
        auto n = std::make_unique<Node>(NodeKind::Literal, t.position);
        n->literal = t.value;
        n->literalType = t.type == TokenType::Number ? 'n' : 'v';
        return n;
    }
    case TokenType::Regex: {
        auto n = std::make_unique<Node>(NodeKind::Regex, t.position);
        n->text = t.text;
        n->regex = RegexHolder::compile(t.text, t.flags, t.position);
        return n;
    }
    case TokenType::End: {
        // jsonata-js lets the end token through the parser; the post-pass reports it (S0207)
        auto n = std::make_unique<Node>(NodeKind::Operator, t.position);
        n->text = "(end)";
        return n;
    }
    case TokenType::Operator:
        break;
    }
    const std::string &op = t.text;
    if (op == "and" || op == "or" || op == "in") {
        auto n = std::make_unique<Node>(NodeKind::Operator, t.position);
        n->text = op;
        return n;
    }
    if (op == "*") {
        return std::make_unique<Node>(NodeKind::Wildcard, t.position);
    }
    if (op == "**") {
        return std::make_unique<Node>(NodeKind::Descendant, t.position);
    }
    if (op == "%") {
        return std::make_unique<Node>(NodeKind::Parent, t.position);
    }
    if (op == "-") {
        auto n = std::make_unique<Node>(NodeKind::Negate, t.position);
        n->expr = expression(70);
        return n;
    }
    if (op == "(") {
        auto n = std::make_unique<Node>(NodeKind::Block, t.position);
        while (id() != ")") {
            n->items.push_back(expression(0));
            if (id() != ";") {
                break;
            }
            advance(";");
        }
        advance(")", true);
        return n;
    }
    if (op == "[") {
        auto n = std::make_unique<Node>(NodeKind::ArrayCons, t.position);
        if (id() != "]") {
            for (;;) {
                NodePtr item = expression(0);
                if (id() == "..") {
                    auto range = std::make_unique<Node>(NodeKind::Binary, m_token.position);
                    range->op = BinaryOp::Range;
                    range->text = "..";
                    range->lhs = std::move(item);
                    advance("..");
                    range->rhs = expression(0);
                    item = std::move(range);
                }
                n->items.push_back(std::move(item));
                if (id() != ",") {
                    break;
                }
                advance(",");
            }
        }
        advance("]", true);
        return n;
    }
    if (op == "{") {
        return parseObject(t, nullptr);
    }
    if (op == "|") {
        auto n = std::make_unique<Node>(NodeKind::Transform, t.position);
        n->pattern = expression(0);
        advance("|");
        n->update = expression(0);
        if (id() == ",") {
            advance(",");
            n->remove = expression(0);
        }
        advance("|");
        return n;
    }
    throw ExprException("S0211", t.position).withToken(op);
}

NodePtr Parser::parseObject(const Token &t, NodePtr left)
{
    std::vector<std::pair<NodePtr, NodePtr>> pairs;
    if (id() != "}") {
        for (;;) {
            NodePtr key = expression(0);
            advance(":");
            NodePtr value = expression(0);
            pairs.emplace_back(std::move(key), std::move(value));
            if (id() != ",") {
                break;
            }
            advance(",");
        }
    }
    advance("}", true);
    auto n = std::make_unique<Node>(left ? NodeKind::GroupBy : NodeKind::ObjectCons, t.position);
    n->lhs = std::move(left);
    n->pairs = std::move(pairs);
    return n;
}

NodePtr Parser::parseCall(const Token &t, NodePtr left)
{
    auto n = std::make_unique<Node>(NodeKind::Call, t.position);
    if (id() != ")") {
        for (;;) {
            if (m_token.type == TokenType::Operator && m_token.text == "?") {
                n->kind = NodeKind::Partial;
                n->items.push_back(std::make_unique<Node>(NodeKind::Placeholder, m_token.position));
                advance("?");
            } else {
                n->items.push_back(expression(0));
            }
            if (id() != ",") {
                break;
            }
            advance(",");
        }
    }
    advance(")", true);
    const bool isLambda = left->kind == NodeKind::Name
                          && (left->text == "function" || left->text == "\xCE\xBB");
    if (!isLambda) {
        n->procedure = std::move(left);
        return n;
    }
    n->kind = NodeKind::Lambda;
    for (std::size_t i = 0; i < n->items.size(); ++i) {
        const Node &arg = *n->items[i];
        if (arg.kind != NodeKind::Variable) {
            ExprException e("S0208", arg.position);
            e.withToken(arg.text);
            e.value = json::Value::number(static_cast<double>(i + 1));
            throw e;
        }
        n->params.push_back(arg.text);
    }
    n->items.clear();
    if (id() == "<") {
        const int sigPos = m_token.position;
        int depth = 1;
        std::string sig = "<";
        while (depth > 0 && id() != "{" && id() != "(end)") {
            advance();
            if (id() == ">") {
                --depth;
            } else if (id() == "<") {
                ++depth;
            }
            sig += tokenValue();
        }
        advance(">");
        try {
            n->signature = std::make_shared<Signature>(Signature::parse(sig));
        } catch (ExprException &e) {
            e.position = sigPos + e.position;
            throw;
        }
    }
    advance("{");
    n->body = expression(0);
    advance("}");
    return n;
}

NodePtr Parser::led(const Token &t, NodePtr left)
{
    const std::string &op = t.text;
    const int bp = bindingPower(op);
    static const std::pair<std::string_view, BinaryOp> kBinary[] = {
        {"+", BinaryOp::Add}, {"-", BinaryOp::Sub},  {"*", BinaryOp::Mul},  {"/", BinaryOp::Div},
        {"%", BinaryOp::Mod}, {"=", BinaryOp::Eq},   {"!=", BinaryOp::Ne},  {"<", BinaryOp::Lt},
        {"<=", BinaryOp::Le}, {">", BinaryOp::Gt},   {">=", BinaryOp::Ge},  {"&", BinaryOp::Concat},
        {"in", BinaryOp::In}};
    for (const auto &[name, binop] : kBinary) {
        if (op == name) {
            auto n = std::make_unique<Node>(NodeKind::Binary, t.position);
            n->op = binop;
            n->text = op;
            n->lhs = std::move(left);
            n->rhs = expression(bp);
            return n;
        }
    }
    if (op == "and" || op == "or") {
        auto n = std::make_unique<Node>(op == "and" ? NodeKind::And : NodeKind::Or, t.position);
        n->text = op;
        n->lhs = std::move(left);
        n->rhs = expression(bp);
        return n;
    }
    if (op == "." || op == "~>") {
        auto n = std::make_unique<Node>(op == "." ? NodeKind::Dot : NodeKind::Apply, t.position);
        n->text = op;
        n->lhs = std::move(left);
        n->rhs = expression(bp);
        return n;
    }
    if (op == "??") {
        auto n = std::make_unique<Node>(NodeKind::Condition, t.position);
        auto exists = std::make_unique<Node>(NodeKind::Call, t.position);
        exists->procedure = std::make_unique<Node>(NodeKind::Variable, t.position);
        exists->procedure->text = "exists";
        n->then = cloneRaw(*left);
        exists->items.push_back(std::move(left));
        n->condition = std::move(exists);
        n->otherwise = expression(0);
        return n;
    }
    if (op == "?:") {
        auto n = std::make_unique<Node>(NodeKind::Condition, t.position);
        n->then = cloneRaw(*left);
        n->condition = std::move(left);
        n->otherwise = expression(0);
        return n;
    }
    if (op == "?") {
        auto n = std::make_unique<Node>(NodeKind::Condition, t.position);
        n->condition = std::move(left);
        n->then = expression(0);
        if (id() == ":") {
            advance(":");
            n->otherwise = expression(0);
        }
        return n;
    }
    if (op == "(") {
        return parseCall(t, std::move(left));
    }
    if (op == "[") {
        if (id() == "]") {
            // "[]" keeps singleton arrays: flag the step under any predicates
            Node *step = left.get();
            while (step && step->kind == NodeKind::Filter) {
                step = step->lhs.get();
            }
            step->keepArray = true;
            advance("]");
            return left;
        }
        auto n = std::make_unique<Node>(NodeKind::Filter, t.position);
        n->lhs = std::move(left);
        n->rhs = expression(0);
        advance("]", true);
        return n;
    }
    if (op == "^") {
        advance("(");
        auto n = std::make_unique<Node>(NodeKind::OrderBy, t.position);
        for (;;) {
            SortTerm term;
            if (id() == "<") {
                advance("<");
            } else if (id() == ">") {
                term.descending = true;
                advance(">");
            }
            term.expr = expression(0);
            n->terms.push_back(std::move(term));
            if (id() != ",") {
                break;
            }
            advance(",");
        }
        advance(")");
        n->lhs = std::move(left);
        return n;
    }
    if (op == "{") {
        return parseObject(t, std::move(left));
    }
    if (op == ":=") {
        if (left->kind != NodeKind::Variable) {
            const std::string token = left->kind == NodeKind::Literal && left->literalType != 's'
                                          ? json::toJsonText(left->literal)
                                          : left->text;
            throw ExprException("S0212", left->position).withToken(token);
        }
        auto n = std::make_unique<Node>(NodeKind::Bind, t.position);
        n->lhs = std::move(left);
        n->rhs = expression(bp - 1); // right associative
        return n;
    }
    if (op == "@" || op == "#") {
        auto n = std::make_unique<Node>(op == "@" ? NodeKind::Focus : NodeKind::IndexBind,
                                        t.position);
        n->lhs = std::move(left);
        n->rhs = expression(bp);
        if (n->rhs->kind != NodeKind::Variable) {
            throw ExprException("S0214", n->rhs->position).withToken(op);
        }
        return n;
    }
    throw ExprException("S0201", t.position).withToken(op);
}

} // namespace

NodePtr parseExpression(std::string_view source, bool nested)
{
    Parser parser(source);
    NodePtr raw = parser.parse();
    return processTree(std::move(raw), nested);
}

} // namespace syncline::engine::expr
